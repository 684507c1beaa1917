package dev.berth.os;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs programs with {@link ProcessBuilder}, capturing both output streams. */
public final class JdkProcessRunner implements ProcessRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JdkProcessRunner.class);

  @Override
  public Result run(List<String> argv, Duration timeout) {
    long started = System.nanoTime();
    Process process;
    try {
      process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + argv.get(0) + ": " + e.getMessage(), e);
    }
    try {
      process.getOutputStream().close();
      CompletableFuture<String> stdout = drain(process.getInputStream());
      CompletableFuture<String> stderr = drain(process.getErrorStream());
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new UncheckedIOException(
            new IOException(argv.get(0) + " did not finish within " + timeout.toSeconds() + " s"));
      }
      Result result = new Result(process.exitValue(), stdout.get(), stderr.get());
      LOG.debug(
          "ran {} -> {} in {} ms",
          argv,
          result.exitCode(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
      return result;
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new InterruptedIOException("interrupted running " + argv));
    } catch (IOException | ExecutionException e) {
      process.destroyForcibly();
      throw new UncheckedIOException(new IOException("running " + argv + ": " + e.getMessage(), e));
    }
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }
}
