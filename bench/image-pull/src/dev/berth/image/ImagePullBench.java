package dev.berth.image;

import com.sun.net.httpserver.HttpServer;
import dev.berth.ProgressListener;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * Times image preparation (download + verify + decompress into the cache) against {@code curl -s
 * URL | xz -dc > FILE}, on one local server and one file, alternating the contenders each round.
 *
 * <p>Arguments: the .xz image, its uncompressed SHA-256, a work directory, the number of rounds. It
 * lives in the package so it can choose the xz decoder, which the public API does not offer.
 */
public final class ImagePullBench {
  private record Row(String contender, int round, double seconds) {}

  public static void main(String[] args) throws Exception {
    Path image = Path.of(args[0]);
    String plainSha = args[1];
    Path work = Path.of(args[2]);
    int rounds = Integer.parseInt(args[3]);
    long compressed = Files.size(image);
    String sha = Fixtures256.of(image);
    HttpServer server = serve(image, sha, plainSha);
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    List<Row> rows = new ArrayList<>();
    long plainSize = 0;
    try {
      for (int round = 1; round <= rounds; round++) {
        rows.add(new Row("curl -s URL | xz -dc > FILE", round, pipeline(base, work, false)));
        rows.add(
            new Row("curl -s URL | xz -dc > FILE; sync FILE", round, pipeline(base, work, true)));
        for (String decoder : List.of("xz tool", "XZ for Java")) {
          Path root = work.resolve("cache");
          Path tool = decoder.equals("xz tool") ? XzProcess.find().orElseThrow() : null;
          ImageCache cache =
              new ImageCache(
                  root,
                  ImageCache.defaultHttpClient(),
                  Clock.systemUTC(),
                  Architecture.X86_64,
                  ImageCache.STALL_LIMIT,
                  tool);
          long start = System.nanoTime();
          CachedImage pulled =
              cache.pull(ImageSource.parse(base + "/stream.json"), ProgressListener.NONE);
          rows.add(new Row("berth pull (" + decoder + ")", round, seconds(start)));
          plainSize = pulled.size();
          cache.prune(true, java.util.Set.of());
        }
      }
    } finally {
      server.stop(0);
    }
    System.out.printf("compressed %d bytes, decompressed %d bytes%n", compressed, plainSize);
    System.out.println("| contender | round | seconds | MB/s compressed | MB/s decompressed |");
    System.out.println("|---|---|---|---|---|");
    for (Row row : rows) {
      System.out.printf(
          "| %s | %d | %.2f | %.0f | %.0f |%n",
          row.contender(),
          row.round(),
          row.seconds(),
          compressed / 1e6 / row.seconds(),
          plainSize / 1e6 / row.seconds());
    }
  }

  private static double pipeline(String base, Path work, boolean sync) throws Exception {
    Path out = work.resolve("curl.raw");
    String command =
        "curl -s " + base + "/disk.raw.xz | xz -dc > " + out + (sync ? " && sync " + out : "");
    long start = System.nanoTime();
    Process p = new ProcessBuilder("bash", "-c", "set -o pipefail; " + command).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command + " failed");
    }
    double seconds = seconds(start);
    Files.delete(out);
    return seconds;
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  private static HttpServer serve(Path image, String sha, String plainSha) throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] stream =
        ("{\"stream\":\"bench\",\"architectures\":{\"x86_64\":{\"artifacts\":{\"qemu\":{"
                + "\"release\":\"1\",\"formats\":{\"qcow2.xz\":{\"disk\":{"
                + "\"location\":\"disk.raw.xz\",\"sha256\":\""
                + sha
                + "\","
                + "\"uncompressed-sha256\":\""
                + plainSha
                + "\"}}}}}}}}")
            .getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            boolean json = exchange.getRequestURI().getPath().endsWith(".json");
            exchange.sendResponseHeaders(200, json ? stream.length : Files.size(image));
            OutputStream body = exchange.getResponseBody();
            if (json) {
              body.write(stream);
            } else {
              Files.copy(image, body);
            }
          }
        });
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
    return server;
  }

  /** SHA-256 of a file, as the stream metadata states it. */
  private static final class Fixtures256 {
    static String of(Path file) throws IOException {
      var sha = Download.sha256();
      try (var in = Files.newInputStream(file)) {
        byte[] buffer = new byte[1 << 20];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          sha.update(buffer, 0, n);
        }
      }
      return java.util.HexFormat.of().formatHex(sha.digest());
    }
  }

  private ImagePullBench() {}
}
