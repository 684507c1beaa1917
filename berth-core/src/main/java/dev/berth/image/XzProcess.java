package dev.berth.image;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Decompresses xz data with the {@code xz} tool: XZ for Java is the slower decoder (bench/
 * RESULTS.md), and {@code xz} 5.4 decodes multi-block files on several threads.
 *
 * <p>A feeder thread copies the compressed input to the tool's standard input, so reading the input
 * (and hashing it, and reporting progress) happens on that thread. When the input fails, the
 * feeder's exception is the one thrown here, so a network cut still reads as a network cut.
 */
final class XzProcess extends InputStream {
  private static final int STDERR_LIMIT = 4096;

  private final Process process;
  private final InputStream stdout;
  private final Thread feeder;
  private final Thread stderrReader;
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private volatile IOException feederError;
  private boolean finished;

  /** The {@code xz} executable on the PATH, if there is one. */
  static Optional<Path> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "xz");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  XzProcess(Path xz, InputStream compressed) throws IOException {
    process =
        new ProcessBuilder(List.of(xz.toString(), "--decompress", "--stdout", "--threads=0"))
            .start();
    stdout = process.getInputStream();
    feeder = new Thread(() -> feed(compressed), "xz-feeder");
    feeder.setDaemon(true);
    feeder.start();
    stderrReader = new Thread(this::drainStderr, "xz-stderr");
    stderrReader.setDaemon(true);
    stderrReader.start();
  }

  private void feed(InputStream compressed) {
    try (OutputStream stdin = process.getOutputStream()) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = compressed.read(buffer)) >= 0; ) {
        stdin.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // xz having quit (corrupt data) breaks the pipe: its exit status tells that story
      if (process.isAlive() || !isBrokenPipe(e)) {
        feederError = e;
      }
    }
  }

  private static boolean isBrokenPipe(IOException e) {
    return String.valueOf(e.getMessage()).contains("Broken pipe")
        || String.valueOf(e.getMessage()).contains("Stream closed");
  }

  private void drainStderr() {
    try (InputStream err = process.getErrorStream()) {
      byte[] buffer = new byte[1024];
      for (int n; (n = err.read(buffer)) >= 0; ) {
        synchronized (stderr) {
          if (stderr.size() < STDERR_LIMIT) {
            stderr.write(buffer, 0, Math.min(n, STDERR_LIMIT - stderr.size()));
          }
        }
      }
    } catch (IOException e) {
      // the process is gone; what was read is all there is
    }
  }

  @Override
  public int read() throws IOException {
    return DownloadStreams.readOneByte(this);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = stdout.read(b, off, len);
    if (n < 0) {
      finish();
    }
    return n;
  }

  /** At the end of the output: the input's failure, else the tool's, else nothing. */
  private void finish() throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    try {
      feeder.join();
      if (feederError != null) {
        throw feederError;
      }
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new IOException("xz did not exit after its output ended");
      }
      stderrReader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for xz", e);
    }
    if (process.exitValue() != 0) {
      String message;
      synchronized (stderr) {
        message = stderr.toString(StandardCharsets.UTF_8).strip();
      }
      throw new IOException(message.isEmpty() ? "xz exited with " + process.exitValue() : message);
    }
  }

  /**
   * Stops the tool. A feeder still blocked on its input ends when the caller closes that input or
   * when its next write meets the dead pipe.
   */
  @Override
  public void close() throws IOException {
    process.destroyForcibly();
    stdout.close();
  }
}
