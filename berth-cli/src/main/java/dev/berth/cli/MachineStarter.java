package dev.berth.cli;

import dev.berth.agent.NetworkMode;
import dev.berth.agent.client.StartFailedException;
import dev.berth.cli.render.ProgressRenderer;
import dev.berth.connection.DockerContexts;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Starting a machine as {@code start} and {@code init --now} do: progress, the console on failure,
 * tips.
 */
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
   * Starts {@code name}, waiting {@code timeoutSeconds} (null: the lifecycle's default) for it to
   * be ready; {@code quiet} prints no progress, {@code noInfo} no tips; {@code makeDefault} makes
   * it the machine docker clients find (the current docker context).
   */
  int start(
      String name,
      Long timeoutSeconds,
      NetworkMode network,
      boolean quiet,
      boolean noInfo,
      boolean makeDefault) {
    ProgressRenderer progress = ProgressRenderer.of(err, context.interactive(), quiet);
    Duration timeout =
        timeoutSeconds == null
            ? context.lifecycle().defaultReadyTimeout(name)
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
    Optional<Path> link = context.machines().connectDockerClients(name, makeDefault);
    String dockerContext = DockerContexts.contextName(name);
    if (makeDefault) {
      out.println("Current docker context is now \"" + dockerContext + "\"");
    }
    if (!noInfo) {
      out.println("API forwarding listening on: " + api);
      out.println();
      out.println("Docker and podman clients can reach the machine through it:");
      out.println();
      out.println("\texport DOCKER_HOST='unix://" + api + "'");
      out.println("\tpodman --url unix://" + api + " ps");
      out.println("\tpodman --connection " + name + " ps   (or " + name + "-root)");
      out.println(
          "\tdocker --context "
              + dockerContext
              + " ps"
              + (makeDefault
                  ? "   (the current context)"
                  : "   (berth start --default " + name + " makes it current)"));
      link.ifPresent(
          path -> out.println("\tTestcontainers finds it with no setting, through " + path));
      out.println();
    }
    out.println("Machine \"" + name + "\" started successfully");
    return 0;
  }
}
