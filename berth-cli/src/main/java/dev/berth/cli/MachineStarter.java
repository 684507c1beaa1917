package dev.berth.cli;

import dev.berth.agent.NetworkMode;
import dev.berth.agent.client.StartFailedException;
import dev.berth.cli.render.ProgressRenderer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;

/** Starting a machine as {@code start} and {@code init --now} do: progress, the console on failure, tips. */
final class MachineStarter {
  private final CliContext context;
  private final PrintWriter out;
  private final PrintWriter err;

  MachineStarter(CliContext context, PrintWriter out, PrintWriter err) {
    this.context = context;
    this.out = out;
    this.err = err;
  }

  /**
   * Starts {@code name}, waiting {@code timeoutSeconds} (null: the lifecycle's default) for it to be
   * ready; {@code quiet} prints no progress, {@code noInfo} no tips.
   */
  int start(String name, Long timeoutSeconds, NetworkMode network, boolean quiet, boolean noInfo) {
    ProgressRenderer progress = ProgressRenderer.of(err, context.interactive(), quiet);
    Duration timeout =
        timeoutSeconds == null
            ? context.lifecycle().defaultReadyTimeout()
            : Duration.ofSeconds(timeoutSeconds);
    Path api;
    try {
      api = context.lifecycle().start(name, timeout, network, progress);
    } catch (StartFailedException e) {
      if (!e.consoleTail().isEmpty()) {
        err.println("Last " + e.consoleTail().size() + " lines of the console:");
        e.consoleTail().forEach(line -> err.println("  " + line));
      }
      throw e;
    }
    progress.finish();
    if (!noInfo) {
      out.println("API forwarding listening on: " + api);
      out.println();
      out.println("Docker and podman clients can reach the machine through it:");
      out.println();
      out.println("\texport DOCKER_HOST='unix://" + api + "'");
      out.println("\tpodman --url unix://" + api + " ps");
      out.println("\tpodman --connection " + name + " ps   (or " + name + "-root)");
      out.println();
    }
    out.println("Machine \"" + name + "\" started successfully");
    return 0;
  }
}
