package dev.berth.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A local HTTP server for image tests: serves byte arrays, honours ranges, logs requests. */
final class ImageServer implements AutoCloseable {
  private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

  /** One request as the server saw it; {@code range} is null without a Range header. */
  record Request(String path, String range, int status) {}

  private final HttpServer server;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final Map<String, Integer> statuses = new ConcurrentHashMap<>();
  private final Map<String, Long> cutAfter = new ConcurrentHashMap<>();
  private final Map<String, Long> stallAfter = new ConcurrentHashMap<>();
  private final CountDownLatch closed = new CountDownLatch(1);
  private final List<Request> log = new CopyOnWriteArrayList<>();
  private volatile boolean rangesHonoured = true;
  private volatile boolean chunked;

  ImageServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    // a stalled answer must not hold up the next request
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  ImageServer put(String path, byte[] data) {
    files.put(path, data);
    return this;
  }

  byte[] body(String path) {
    return files.get(path);
  }

  /** Answers {@code path} with {@code status} and no body. */
  ImageServer fail(String path, int status) {
    statuses.put(path, status);
    return this;
  }

  /** Serves {@code path} again after {@link #fail}. */
  ImageServer recover(String path) {
    statuses.remove(path);
    return this;
  }

  /** The next answer for {@code path} announces the whole length but closes after {@code bytes}. */
  ImageServer cutOnce(String path, long bytes) {
    cutAfter.put(path, bytes);
    return this;
  }

  /** The next answer for {@code path} sends {@code bytes}, then nothing until the server closes. */
  ImageServer stallOnce(String path, long bytes) {
    stallAfter.put(path, bytes);
    return this;
  }

  /** Whether answers are chunked, without a Content-Length. */
  ImageServer chunked(boolean chunked) {
    this.chunked = chunked;
    return this;
  }

  /** Whether Range headers get a 206; a server that ignores them answers 200 with everything. */
  ImageServer honourRanges(boolean honour) {
    rangesHonoured = honour;
    return this;
  }

  List<Request> requests() {
    return List.copyOf(log);
  }

  long requestsFor(String path) {
    return log.stream().filter(r -> r.path().equals(path)).count();
  }

  private void handle(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getPath();
    String range = exchange.getRequestHeaders().getFirst("Range");
    try (exchange) {
      Integer status = statuses.get(path);
      byte[] data = files.get(path);
      if (status != null || data == null) {
        int code = status != null ? status : 404;
        log.add(new Request(path, range, code));
        exchange.sendResponseHeaders(code, -1);
        return;
      }
      int from = 0;
      Matcher m = range == null ? null : RANGE.matcher(range);
      if (rangesHonoured && m != null && m.matches()) {
        from = Integer.parseInt(m.group(1));
        exchange
            .getResponseHeaders()
            .set("Content-Range", "bytes " + from + "-" + (data.length - 1) + "/" + data.length);
      }
      int code = from > 0 ? 206 : 200;
      log.add(new Request(path, range, code));
      exchange.sendResponseHeaders(code, chunked ? 0 : data.length - from);
      Long cut = cutAfter.remove(path);
      Long stall = stallAfter.remove(path);
      OutputStream body = exchange.getResponseBody();
      if (stall != null) {
        body.write(data, from, (int) Math.min(stall, data.length - from));
        body.flush();
        closed.await(30, TimeUnit.SECONDS);
        return;
      }
      if (cut != null) {
        body.write(data, from, (int) Math.min(cut, data.length - from));
        body.flush();
        // closing the exchange before the announced length makes the server drop the connection
        return;
      }
      body.write(data, from, data.length - from);
    } catch (IOException e) {
      // a cut-off answer ends this way on purpose
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
  }
}
