package dev.berth.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A finished external command in a test, output and error merged. */
record Exec(int code, String out) {
  static Exec run(Map<String, String> env, Duration timeout, List<String> argv)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process p = pb.start();
    var output =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(argv + " did not finish within " + timeout.toSeconds() + " s");
    }
    return new Exec(p.exitValue(), output.join());
  }

  static Exec run(Map<String, String> env, List<String> argv)
      throws IOException, InterruptedException {
    return run(env, Duration.ofMinutes(5), argv);
  }
}
