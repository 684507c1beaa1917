package dev.berth.cli;

import dev.berth.BerthException;
import dev.berth.agent.QemuLaunch;
import dev.berth.os.DescribedHosts;
import dev.berth.os.Host;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Diagnostics for bug reports: what Berth would do, shown without doing it. */
@Command(
    name = "debug",
    mixinStandardHelpOptions = true,
    description = "Show what Berth would do, for a bug report.",
    subcommands = {DebugCommand.QemuCommandLine.class})
final class DebugCommand extends BaseCommand {
  @Override
  public Integer call() {
    spec.commandLine().usage(out());
    return 0;
  }

  @Command(
      name = "qemu-command",
      mixinStandardHelpOptions = true,
      description =
          "Print the QEMU command line that start would run, one argument per line,"
              + " on this host or on a described one.")
  static final class QemuCommandLine extends BaseCommand {
    @Mixin MachineNameParameter machine;

    @Option(
        names = "--host",
        paramLabel = "OS/ARCH",
        description =
            "Describe another host: OS linux or darwin, ARCH x86_64 or aarch64 (as the JVM"
                + " reports it). It has QEMU and firmware where its package manager puts them.")
    String host; // initialized by picocli

    @Option(
        names = "--hv-support",
        paramLabel = "true|false",
        arity = "1",
        description =
            "Whether the described host's hypervisor is usable (macOS: sysctl"
                + " kern.hv_support; Linux: /dev/kvm). Default: true.")
    Boolean hvSupport; // initialized by picocli

    @Option(
        names = "--translated",
        description = "The described JVM runs translated by Rosetta (with --host darwin/x86_64).")
    boolean translated; // initialized by picocli

    @Override
    public Integer call() {
      Host target = context().host();
      if (host != null) {
        String[] osArch = host.split("/", -1);
        if (osArch.length != 2) {
          throw new BerthException(
              "--host \"" + host + "\" is not OS/ARCH",
              "describe a host as OS/ARCH: OS linux or darwin, ARCH x86_64 or aarch64");
        }
        target =
            DescribedHosts.describe(
                target, osArch[0], osArch[1], hvSupport == null || hvSupport, translated);
        err().println("# " + DescribedHosts.summary(target));
      } else if (hvSupport != null || translated) {
        throw new BerthException(
            "--hv-support and --translated describe another host", "give it with --host OS/ARCH");
      }
      QemuLaunch launch = QemuLaunch.preview(machines(), target, machine.name());
      launch.warnings().forEach(warning -> err().println("# warning: " + warning));
      launch.argv().forEach(out()::println);
      return 0;
    }
  }
}
