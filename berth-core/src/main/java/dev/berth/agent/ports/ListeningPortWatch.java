package dev.berth.agent.ports;

import dev.berth.net.forward.PortForwards;
import dev.berth.net.log.LogRate;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards every port a program in the machine listens on: runs {@link #REPORTER} in the guest
 * (over the agent's SSH login) and feeds its snapshots to the automatic forwards. When the reporter
 * ends (SSH dropped, the guest rebooted) it starts it again after a pause; the forwards stay until
 * a snapshot says otherwise. Closing it removes every automatic forward.
 */
public final class ListeningPortWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ListeningPortWatch.class);

  /**
   * The guest's side, POSIX shell builtins and {@code sleep} only (berth-os and Fedora CoreOS
   * alike): once a second, the lines of {@code /proc/net/{tcp,tcp6,udp,udp6}} in state LISTEN (0A)
   * or CLOSE (07, an unconnected UDP socket), then {@code END}. It reads only the machine's own
   * network namespace, where SSH logs in: rootless podman's published ports and {@code --network
   * host} containers listen there. When the agent closes the channel, the next write fails and the
   * loop ends.
   */
  public static final String REPORTER =
      "while :; do for f in tcp tcp6 udp udp6; do [ -r /proc/net/$f ] &&"
          + " while read -r sl local remote st rest; do case $st in 0A|07)"
          + " echo \"$f $sl $local $remote $st\";; esac; done < /proc/net/$f; done;"
          + " echo END; sleep 1; done";

  /** Starts the reporter in the guest; its standard output, closed to stop it. */
  @FunctionalInterface
  public interface Reporter {
    InputStream start() throws IOException;
  }

  private static final Duration FIRST_PAUSE = Duration.ofSeconds(1);
  private static final Duration LONGEST_PAUSE = Duration.ofSeconds(30);

  private final Reporter reporter;
  private final AutoForwards forwards;
  private final Thread thread;
  private final LogRate restarts = new LogRate();
  private volatile boolean closed;
  private InputStream current;

  ListeningPortWatch(Reporter reporter, AutoForwards forwards) {
    this.reporter = reporter;
    this.forwards = forwards;
    this.thread = new Thread(this::run, "listening-ports");
    thread.setDaemon(true);
  }

  /**
   * Forwards the listening ports of the guest at {@code guestIp} through {@code forwards}; {@code
   * privilegedPorts}: ports below 1024 too.
   */
  public static ListeningPortWatch start(
      Reporter reporter, PortForwards forwards, Inet4Address guestIp, boolean privilegedPorts) {
    AutoForwards.Target target =
        new AutoForwards.Target() {
          @Override
          public PortForwards.AutoOutcome add(String protocol, int port) {
            return forwards.exposeAuto(protocol, port, guestIp);
          }

          @Override
          public void remove(String protocol, int port) {
            forwards.unexposeAuto(protocol, port);
          }
        };
    ListeningPortWatch watch =
        new ListeningPortWatch(reporter, new AutoForwards(target, guestIp, privilegedPorts));
    watch.start();
    return watch;
  }

  void start() {
    thread.start();
  }

  private void run() {
    Duration pause = FIRST_PAUSE;
    while (!closed) {
      boolean snapshotSeen = false;
      try (InputStream in = open()) {
        SnapshotReader reader = new SnapshotReader(new BufferedInputStream(in));
        SnapshotReader.Snapshot snapshot;
        while ((snapshot = reader.next()) != null && !closed) {
          if (snapshot.cut() || snapshot.rejectedLines() > 0) {
            restarts.warn(
                LOG,
                "the guest's port report was cut to {} sockets ({} lines were no sockets)",
                snapshot.sockets().size(),
                snapshot.rejectedLines());
          }
          synchronized (forwards) {
            if (!closed) {
              forwards.update(snapshot.sockets());
            }
          }
          snapshotSeen = true;
        }
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          restarts.info(LOG, "the guest's port reporter failed: {}", e.toString());
        }
      }
      pause = snapshotSeen ? FIRST_PAUSE : min(pause.multipliedBy(2), LONGEST_PAUSE);
      if (!closed) {
        restarts.info(LOG, "the guest's port reporter ended; starting it again in {}", pause);
        sleep(pause);
      }
    }
  }

  private synchronized InputStream open() throws IOException {
    if (closed) {
      throw new IOException("closed");
    }
    current = reporter.start();
    return current;
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private void sleep(Duration pause) {
    try {
      Thread.sleep(pause.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (current != null) {
        try {
          current.close();
        } catch (IOException e) {
          LOG.debug("closing the port reporter: {}", e.toString());
        }
      }
    }
    thread.interrupt();
    try {
      thread.join(Duration.ofSeconds(5).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (forwards) {
      forwards.clear();
    }
  }
}
