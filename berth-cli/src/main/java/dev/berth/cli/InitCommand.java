package dev.berth.cli;

import dev.berth.agent.NetworkMode;
import dev.berth.cli.render.ProgressRenderer;
import dev.berth.machine.InitOptions;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineName;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "init",
    mixinStandardHelpOptions = true,
    description = "Initialize a new virtual machine.")
final class InitCommand extends BaseCommand {
  @Mixin MachineNameParameter machine;

  @Option(
      names = {"--image", "--image-path"},
      paramLabel = "IMAGE",
      description =
          "Image to boot: a stream (stable, testing, next), a stream file or URL (stream.json),"
              + " an image URL, or a local image file; compressed with xz, gzip or zstd, or not"
              + " (default: testing).")
  String image; // initialized by picocli

  @Option(
      names = "--arch",
      paramLabel = "ARCH",
      description =
          "Guest architecture: x86_64 (or amd64) or aarch64 (or arm64); default: the host's."
              + " Another architecture than the host's runs emulated (TCG), far slower.")
  String arch; // initialized by picocli

  @Option(names = "--cpus", description = "Number of CPUs (default: half the host's).")
  Integer cpus; // initialized by picocli

  @Option(
      names = {"-m", "--memory"},
      paramLabel = "MiB",
      description = "Memory in MiB (default: " + InitOptions.DEFAULT_MEMORY_MIB + ").")
  Long memory; // initialized by picocli

  @Option(
      names = "--disk-size",
      paramLabel = "GiB",
      description = "Disk size in GiB (default: " + InitOptions.DEFAULT_DISK_GIB + ").")
  Long diskSize; // initialized by picocli

  @Option(
      names = "--username",
      description = "User inside the machine (default: " + InitOptions.DEFAULT_USER + ").")
  String username; // initialized by picocli

  @Option(
      names = {"-v", "--volume"},
      paramLabel = "SRC[:DST[:ro]]",
      description =
          "Share a host directory with the machine; repeatable (default: $HOME on Linux;"
              + " /Users, /private, /var/folders on macOS).")
  List<String> volumes; // initialized by picocli

  @Option(
      names = "--ignition-path",
      paramLabel = "FILE",
      description = "Use this Ignition config verbatim instead of the generated one.")
  Path ignitionPath; // initialized by picocli

  @Option(names = "--rootful", description = "Make the root connection the default.")
  boolean rootful; // initialized by picocli

  @Option(
      names = "--publish-all-addresses",
      description =
          "Let the machine publish ports on every host address, the LAN's too (default: 127.0.0.1"
              + " only).")
  boolean publishAllAddresses; // initialized by picocli

  @Option(
      names = "--publish-privileged-ports",
      description = "Let the machine publish host ports below 1024 (default: from 1024).")
  boolean publishPrivilegedPorts; // initialized by picocli

  @Option(
      names = "--publish-listening-ports",
      arity = "0..1",
      fallbackValue = "true",
      description =
          "Forward every port a program in the machine listens on from the same port on"
              + " 127.0.0.1 (default: true; =false: only the SSH port and the ports containers"
              + " publish).")
  boolean publishListeningPorts = true; // initialized by picocli

  @Option(
      names = "--timezone",
      description = "Time zone inside the machine, or \"local\" for the host's (default).")
  String timezone; // initialized by picocli

  @Mixin SaveStateOption saveState;

  @Option(names = "--now", description = "Start the machine once it is created.")
  boolean now; // initialized by picocli

  @Mixin OutputOptions.Quiet quiet;

  @Override
  public Integer call() {
    ProgressRenderer progress = ProgressRenderer.of(err(), context().interactive(), quiet.isSet());
    MachineConfig config =
        machines()
            .init(
                new InitOptions(
                    machine.name(),
                    image,
                    cpus,
                    memory,
                    diskSize,
                    username,
                    volumes,
                    ignitionPath,
                    rootful,
                    timezone,
                    new MachineConfig.Publish(
                        publishAllAddresses, publishPrivilegedPorts, publishListeningPorts),
                    saveState.orElse(MachineConfig.SAVE_STATE_BY_DEFAULT),
                    arch),
                progress);
    context().images().autoPrune(progress);
    progress.finish();
    out().println("Machine init complete");
    if (now) {
      return starter()
          .start(config.name(), null, NetworkMode.BERTH, quiet.isSet(), quiet.isSet(), false);
    }
    out().println("To start your machine run:");
    out().println();
    out()
        .println(
            "\tberth start"
                + (MachineName.DEFAULT.equals(config.name()) ? "" : " " + config.name()));
    out().println();
    return 0;
  }
}
