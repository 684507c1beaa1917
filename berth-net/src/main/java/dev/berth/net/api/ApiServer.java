package dev.berth.net.api;

import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.log.LogRate;
import dev.berth.net.log.Printable;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.unix.UnixSockets;
import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gvproxy's HTTP API on a unix socket (mode 0600). The {@link ApiRoutes.Scope} decides which routes
 * it serves: everything for the host, only the forwarder inside the network.
 */
public final class ApiServer implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

  /** Connections served at once; one more is closed at once rather than queued. */
  static final int MAX_CONNECTIONS = 64;

  private final ServerSocketChannel server;
  private final Path socket;
  private final ApiRoutes routes;
  private final ThreadPoolExecutor workers;
  private final ScheduledExecutorService timer;
  private final Set<SocketChannel> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;
  private final LogRate refusals = new LogRate();

  private ApiServer(ServerSocketChannel server, Path socket, ApiRoutes routes) {
    this.server = server;
    this.socket = socket;
    this.routes = routes;
    AtomicInteger n = new AtomicInteger();
    this.workers =
        new ThreadPoolExecutor(
            0,
            MAX_CONNECTIONS,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> daemon(r, "berth-api-" + n.incrementAndGet()));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "berth-api-timer"));
    this.acceptor = daemon(this::accept, "berth-api-accept");
  }

  /**
   * Serves {@code scope}'s routes of {@code net} on a new unix socket at {@code socket}; a stale
   * file there is replaced.
   */
  public static ApiServer start(VirtualNetwork net, ApiRoutes.Scope scope, Path socket)
      throws IOException {
    if (scope == ApiRoutes.Scope.GUEST) {
      throw new IllegalArgumentException("serve guests with serveGuests, which takes their policy");
    }
    return start(socket, new ApiRoutes(net, scope, null));
  }

  static ApiServer start(Path socket, ApiRoutes routes) throws IOException {
    ServerSocketChannel server = UnixSockets.listenPrivate(socket, 0);
    ApiServer api = new ApiServer(server, socket, routes);
    api.acceptor.start();
    LOG.info("API ({}) on {}", routes.scope(), socket);
    return api;
  }

  /**
   * Serves the forwarder to guests at the gateway's port 80 (where podman inside a machine calls
   * {@code gateway.containers.internal}), through a unix socket at {@code socket} that only the
   * network connects to. What guests may ask is bounded by {@code policy}.
   */
  public static ApiServer serveGuests(VirtualNetwork net, Path socket, GuestForwardPolicy policy)
      throws IOException {
    ApiServer api = start(socket, new ApiRoutes(net, ApiRoutes.Scope.GUEST, policy));
    try {
      net.serveOnGateway(80, socket);
    } catch (IOException e) {
      api.close();
      throw e;
    }
    return api;
  }

  public Path socket() {
    return socket;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private void accept() {
    while (!closed) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("API socket {} stopped accepting: {}", socket, e.toString());
        }
        return;
      }
      open.add(ch);
      try {
        workers.execute(() -> serve(ch));
      } catch (RejectedExecutionException e) {
        refusals.warn(LOG, "API: {} connections already open; closing a new one", MAX_CONNECTIONS);
        close(ch);
      }
    }
  }

  private void serve(SocketChannel ch) {
    HttpConnection conn = new HttpConnection(ch, timer, routes.expectsProxyLine());
    boolean handedOver = false;
    try {
      handedOver = routes.serve(conn);
    } catch (IOException e) {
      LOG.debug("API connection ended: {}", e.toString());
    } catch (RuntimeException e) {
      refusals.warn(
          LOG, "API request failed: {}", Printable.of(e.toString(), ApiRoutes.MAX_LOGGED_CHARS));
      LOG.debug("API request failure", e);
    } finally {
      conn.cancelDeadline();
      open.remove(ch);
      if (!handedOver) {
        close(ch);
      }
    }
  }

  private static void close(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("closing API connection", e);
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.warn("closing API socket {}: {}", socket, e.toString());
    }
    for (SocketChannel ch : open) {
      close(ch);
    }
    workers.shutdownNow();
    timer.shutdownNow();
  }
}
