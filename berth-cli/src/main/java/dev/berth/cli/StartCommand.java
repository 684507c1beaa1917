package dev.berth.cli;

import dev.berth.agent.NetworkMode;
import dev.berth.agent.StartFailedException;
import dev.berth.cli.render.ProgressRenderer;
import dev.berth.machine.MachineName;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "start", mixinStandardHelpOptions = true, description = "Start a machine.")
final class StartCommand extends BaseCommand {
  @Parameters(
      arity = "0..1",
      paramLabel = "NAME",
      defaultValue = MachineName.DEFAULT,
      converter = MachineNameConverter.class)
  String name; // initialized by picocli

  @Option(names = "--no-info", description = "Print no tips once started.")
  boolean noInfo; // initialized by picocli

  @Option(
      names = {"-q", "--quiet"},
      description = "Print no progress (implies --no-info).")
  boolean quiet; // initialized by picocli

  @Option(
      names = "--timeout",
      paramLabel = "SECONDS",
      description = "How long to wait for the machine to be ready (default: 600 without hardware"
          + " virtualization, else 180).")
  Long timeoutSeconds; // initialized by picocli

  @Option(
      names = "--network",
      paramLabel = "berth|slirp",
      converter = NetworkModeConverter.class,
      description = "berth (default): Berth's user-mode network, ports published in the machine reach"
          + " the host; slirp: QEMU's own, SSH only.")
  NetworkMode network = NetworkMode.BERTH; // initialized by picocli

  @Override
  public Integer call() {
    return start(name, timeoutSeconds, network, quiet, noInfo || quiet, this);
  }

  static int start(
      String name, Long timeoutSeconds, NetworkMode network, boolean quiet, boolean noInfo, BaseCommand command) {
    ProgressRenderer progress = ProgressRenderer.of(command.err(), command.context().interactive(), quiet);
    Duration timeout =
        timeoutSeconds == null
            ? command.context().lifecycle().defaultReadyTimeout()
            : Duration.ofSeconds(timeoutSeconds);
    Path api;
    try {
      api = command.context().lifecycle().start(name, timeout, network, progress);
    } catch (StartFailedException e) {
      if (!e.consoleTail().isEmpty()) {
        command.err().println("Last " + e.consoleTail().size() + " lines of the console:");
        e.consoleTail().forEach(line -> command.err().println("  " + line));
      }
      throw e;
    }
    progress.finish();
    if (!noInfo) {
      var out = command.out();
      out.println("API forwarding listening on: " + api);
      out.println();
      out.println("Docker and podman clients can reach the machine through it:");
      out.println();
      out.println("\texport DOCKER_HOST='unix://" + api + "'");
      out.println("\tpodman --url unix://" + api + " ps");
      out.println("\tpodman --connection " + name + " ps   (or " + name + "-root)");
      out.println();
    }
    command.out().println("Machine \"" + name + "\" started successfully");
    return 0;
  }
}
