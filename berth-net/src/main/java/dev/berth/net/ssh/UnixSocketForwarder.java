package dev.berth.net.ssh;

import dev.berth.net.unix.UnixSockets;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A unix socket on the host (mode 0600, a stale file replaced) whose every connection is carried
 * over its own SSH {@code direct-streamlocal} channel to a unix socket in the guest, byte for byte
 * both ways, with half-close passed on (HTTP clients rely on it). berth-net's {@code -forward-sock}
 * and the agent's API socket are both this; they differ only in where sessions come from ({@link
 * ForwardSession.Source}).
 *
 * <p>The reconnect policy, the same for every use:
 *
 * <ul>
 *   <li>One session serves every connection. A connection that finds none open makes one: up to
 *       {@value #CONNECT_ATTEMPTS} attempts of {@link ForwardSession.Source#connect}, 100 ms apart
 *       doubling to a 1 s cap (gvproxy's "waiting for sshd": about a minute), and none started once
 *       {@value #CONNECT_DEADLINE_SECONDS} s have passed since the first (an attempt that hangs
 *       until its own timeout would otherwise stretch the wait to many minutes). Connections that
 *       arrive meanwhile wait for that session and share it; none makes its own.
 *   <li>If every attempt fails (or the source refuses with a runtime exception), the waiting
 *       connection is closed, as are those that queued behind it once their own attempts fail; the
 *       next connection starts the attempts afresh. The listener stays up throughout.
 *   <li>A channel that does not open within {@value #OPEN_TIMEOUT_SECONDS} s: if the session still
 *       {@linkplain ForwardSession#answers answers}, the guest's socket is at fault and the
 *       connection is closed; if not, the session is dropped and made again as above, up to {@value
 *       #OPEN_ATTEMPTS} channel opens per connection, 200 ms apart.
 *   <li>{@link #close} stops the attempts and the listener, removes the socket file and ends every
 *       connection; it leaves the session to its source's owner.
 * </ul>
 */
public final class UnixSocketForwarder implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger(UnixSocketForwarder.class);

  static final int CONNECT_ATTEMPTS = 60;
  static final long CONNECT_DEADLINE_SECONDS = 60;
  static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(1);
  static final int OPEN_ATTEMPTS = 3;
  static final Duration REOPEN_PAUSE = Duration.ofMillis(200);
  static final long OPEN_TIMEOUT_SECONDS = 10;

  /**
   * How the forwarder waits between attempts and reads the time; tests pass one on virtual time.
   */
  interface Pause {
    void pause(Duration duration) throws InterruptedException;

    /** Nanoseconds from a fixed origin, as {@link System#nanoTime()}. */
    long nanos();
  }

  /** Real sleeps on the monotonic clock. */
  static final Pause SYSTEM =
      new Pause() {
        @Override
        public void pause(Duration duration) throws InterruptedException {
          Thread.sleep(duration.toMillis());
        }

        @Override
        public long nanos() {
          return System.nanoTime();
        }
      };

  private final Path socket;
  private final String guestSocket;
  private final String target;
  private final ForwardSession.Source source;
  private final Pause pause;
  private final ServerSocketChannel server;
  private final ExecutorService threads =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "berth-ssh-forward");
            t.setDaemon(true);
            return t;
          });
  private final Object sessionLock = new Object();
  private ForwardSession session;
  private volatile boolean closed;

  UnixSocketForwarder(
      Path socket,
      String guestSocket,
      String target,
      ForwardSession.Source source,
      Pause pause,
      ServerSocketChannel server) {
    this.socket = socket;
    this.guestSocket = guestSocket;
    this.target = target;
    this.source = source;
    this.pause = pause;
    this.server = server;
  }

  /**
   * Listens on {@code socket} and forwards to {@code guestSocket} over sessions from {@code
   * source}; {@code target} names the far end in messages ({@code root@192.168.127.2:22}).
   */
  public static UnixSocketForwarder start(
      Path socket, String guestSocket, String target, ForwardSession.Source source)
      throws IOException {
    return start(socket, guestSocket, target, source, SYSTEM);
  }

  static UnixSocketForwarder start(
      Path socket, String guestSocket, String target, ForwardSession.Source source, Pause pause)
      throws IOException {
    ServerSocketChannel server = UnixSockets.listenPrivate(socket, 0);
    UnixSocketForwarder forwarder =
        new UnixSocketForwarder(socket, guestSocket, target, source, pause, server);
    forwarder.threads.execute(forwarder::acceptLoop);
    return forwarder;
  }

  /** Makes the session now, in the background, rather than at the first connection. */
  public void connectInBackground() {
    threads.execute(
        () -> {
          try {
            session();
          } catch (IOException | RuntimeException e) {
            LOG.warn("{}: {}", socket, e.getMessage());
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel c = server.accept();
        threads.execute(() -> serve(c));
      } catch (IOException e) {
        if (!closed) {
          LOG.warn("{}: accept failed: {}", socket, e.toString());
        }
        return;
      }
    }
  }

  /** The open session, made under the policy if there is none. */
  ForwardSession session() throws IOException, InterruptedException {
    synchronized (sessionLock) {
      if (session != null && session.isOpen()) {
        return session;
      }
      Duration backoff = FIRST_BACKOFF;
      IOException last = null;
      long deadline = pause.nanos() + Duration.ofSeconds(CONNECT_DEADLINE_SECONDS).toNanos();
      for (int attempt = 1; attempt <= CONNECT_ATTEMPTS && !closed; attempt++) {
        if (attempt > 1 && pause.nanos() - deadline >= 0) {
          throw new IOException(
              "no SSH session to "
                  + target
                  + " within "
                  + CONNECT_DEADLINE_SECONDS
                  + " s ("
                  + (attempt - 1)
                  + " attempts): "
                  + last.getMessage(),
              last);
        }
        try {
          session = source.connect();
          LOG.info("SSH session to {} up after {} attempt(s)", target, attempt);
          return session;
        } catch (IOException e) {
          last = e;
          LOG.debug("waiting for sshd (attempt {}): {}", attempt, e.toString());
        }
        pause.pause(backoff);
        backoff = min(backoff.multipliedBy(2), MAX_BACKOFF);
      }
      throw new IOException(
          "no SSH session to "
              + target
              + " after "
              + CONNECT_ATTEMPTS
              + " attempts: "
              + (last == null ? "closed" : last.getMessage()),
          last);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  /** A stream to the guest's socket, the session made again if it died under the policy. */
  ForwardSession.Stream open() throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      ForwardSession s = session();
      try {
        return s.openUnixSocket(guestSocket, Duration.ofSeconds(OPEN_TIMEOUT_SECONDS));
      } catch (IOException | RuntimeException e) {
        if (attempt >= OPEN_ATTEMPTS || s.answers()) {
          throw e instanceof IOException io ? io : new IOException(e);
        }
        LOG.info("SSH session to {} died ({}); connecting again", target, e.getMessage());
        s.close();
        pause.pause(REOPEN_PAUSE);
      }
    }
  }

  private void serve(SocketChannel local) {
    try (local;
        ForwardSession.Stream stream = open()) {
      OutputStream toGuest = stream.toGuest();
      InputStream fromGuest = stream.fromGuest();
      Future<?> upstream =
          threads.submit(
              () -> {
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (local.read(buf) >= 0) {
                  toGuest.write(buf.array(), 0, buf.position());
                  toGuest.flush();
                  buf.clear();
                }
                toGuest.close(); // EOF to the guest; the channel stays open for its answer
                return null;
              });
      byte[] buf = new byte[64 * 1024];
      int n;
      while ((n = fromGuest.read(buf)) >= 0) {
        ByteBuffer out = ByteBuffer.wrap(buf, 0, n);
        while (out.hasRemaining()) {
          local.write(out);
        }
      }
      local.shutdownOutput();
      upstream.get();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      if (!closed) {
        LOG.warn("{}: connection to {} in the guest failed: {}", socket, guestSocket, e.toString());
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      LOG.debug("closing {}", socket, e);
    }
    threads.shutdownNow();
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", socket, e.toString());
    }
  }
}
