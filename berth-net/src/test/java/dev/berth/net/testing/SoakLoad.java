package dev.berth.net.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mixed load of bench/soak, run on the host against a TCP echo server reached through a port
 * forward: bulk transfers (each connection sends {@code BULK_MIB} MiB and reads it back), many
 * short connections (connect, 64 bytes, echo, close), and idle connections opened at the start,
 * poked once a minute and checked at the end. Every byte is checked. Stops by itself after {@code
 * SECONDS}; prints a summary line and exits 1 if anything was lost, changed or refused.
 *
 * <pre>
 * SoakLoad HOST PORT SECONDS BULK_THREADS BULK_MIB SHORT_THREADS IDLE_CONNECTIONS
 * </pre>
 */
public final class SoakLoad {

  private static final AtomicLong BULK_BYTES = new AtomicLong();
  private static final AtomicLong BULK_CONNECTIONS = new AtomicLong();
  private static final AtomicLong SHORT_CONNECTIONS = new AtomicLong();
  private static final AtomicLong FAILURES = new AtomicLong();

  private SoakLoad() {}

  public static void main(String[] args) throws Exception {
    InetSocketAddress target = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
    long seconds = Long.parseLong(args[2]);
    int bulkThreads = Integer.parseInt(args[3]);
    int bulkBytes = Integer.parseInt(args[4]) << 20;
    int shortThreads = Integer.parseInt(args[5]);
    int idleCount = Integer.parseInt(args[6]);
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;

    List<Socket> idle = new ArrayList<>();
    for (int i = 0; i < idleCount; i++) {
      idle.add(connect(target));
    }
    List<Thread> workers = new ArrayList<>();
    for (int i = 0; i < bulkThreads; i++) {
      int seed = i;
      workers.add(
          start(
              "bulk-" + i,
              () -> {
                Random random = new Random(seed);
                while (System.nanoTime() < deadline) {
                  record(bulk(target, bulkBytes, random.nextLong()));
                  BULK_CONNECTIONS.incrementAndGet();
                }
              }));
    }
    for (int i = 0; i < shortThreads; i++) {
      workers.add(
          start(
              "short-" + i,
              () -> {
                while (System.nanoTime() < deadline) {
                  record(shortConnection(target));
                  SHORT_CONNECTIONS.incrementAndGet();
                }
              }));
    }
    long nextPoke = System.nanoTime() + 60_000_000_000L;
    long lastReport = System.nanoTime();
    while (System.nanoTime() < deadline) {
      Thread.sleep(1000);
      if (System.nanoTime() - nextPoke > 0) {
        nextPoke += 60_000_000_000L;
        pokeAll(idle);
      }
      if (System.nanoTime() - lastReport > 30_000_000_000L) {
        lastReport = System.nanoTime();
        System.out.println(summary(idle.size()));
      }
    }
    for (Thread t : workers) {
      t.join();
    }
    pokeAll(idle);
    for (Socket s : idle) {
      s.close();
    }
    System.out.println(summary(idle.size()));
    System.exit(FAILURES.get() == 0 ? 0 : 1);
  }

  private static String summary(int idle) {
    return String.format(
        "soak: bulk %d connections %.1f GiB, short %d connections, idle %d, failures %d",
        BULK_CONNECTIONS.get(),
        BULK_BYTES.get() / (double) (1L << 30),
        SHORT_CONNECTIONS.get(),
        idle,
        FAILURES.get());
  }

  private interface Body {
    void run() throws Exception;
  }

  private static Thread start(String name, Body body) {
    Thread t =
        new Thread(
            () -> {
              try {
                body.run();
              } catch (Exception e) {
                System.out.println(name + " stopped: " + e);
                FAILURES.incrementAndGet();
              }
            },
            name);
    t.start();
    return t;
  }

  private static void record(boolean ok) {
    if (!ok) {
      FAILURES.incrementAndGet();
    }
  }

  private static Socket connect(InetSocketAddress target) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(target, 10_000);
    s.setSoTimeout(60_000);
    return s;
  }

  /** One byte to each idle connection and its echo back. */
  private static void pokeAll(List<Socket> idle) {
    for (Socket s : idle) {
      try {
        s.getOutputStream().write(42);
        if (s.getInputStream().read() != 42) {
          throw new IOException("wrong echo");
        }
      } catch (IOException e) {
        System.out.println("idle connection lost: " + e);
        FAILURES.incrementAndGet();
      }
    }
  }

  private static boolean shortConnection(InetSocketAddress target) {
    byte[] request = new byte[64];
    Arrays.fill(request, (byte) 7);
    try (Socket s = connect(target)) {
      s.getOutputStream().write(request);
      s.shutdownOutput();
      return Arrays.equals(s.getInputStream().readAllBytes(), request);
    } catch (IOException e) {
      System.out.println("short connection failed: " + e);
      return false;
    }
  }

  private static boolean bulk(InetSocketAddress target, int bytes, long seed) throws Exception {
    try (Socket s = connect(target)) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      Thread writer =
          new Thread(
              () -> {
                Random r = new Random(seed);
                byte[] chunk = new byte[65536];
                try {
                  for (int done = 0; done < bytes; done += chunk.length) {
                    r.nextBytes(chunk);
                    out.write(chunk);
                  }
                  s.shutdownOutput();
                } catch (IOException e) {
                  System.out.println("bulk write failed: " + e);
                }
              });
      writer.start();
      Random expected = new Random(seed);
      byte[] want = new byte[65536];
      byte[] got = new byte[65536];
      long received = 0;
      boolean same = true;
      for (int done = 0; done < bytes; done += want.length) {
        expected.nextBytes(want);
        int n = in.readNBytes(got, 0, want.length);
        received += n;
        if (n != want.length || !Arrays.equals(want, got)) {
          same = false;
          break;
        }
      }
      same &= in.read() == -1;
      writer.join();
      BULK_BYTES.addAndGet(2 * received);
      if (!same) {
        System.out.println("bulk transfer lost or changed bytes after " + received);
      }
      return same;
    } catch (IOException e) {
      System.out.println("bulk transfer failed: " + e);
      return false;
    }
  }
}
