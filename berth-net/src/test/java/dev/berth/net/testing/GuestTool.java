package dev.berth.net.testing;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Traffic generators run inside the guest namespace with {@code ip netns exec … java -cp
 * target/test-classes}, and the echo server they talk to on the host (for bench/net). JDK only, so
 * the test classes are the whole classpath. Prints {@code ok …} and exits 0 when every byte came
 * back as sent.
 *
 * <pre>
 * echo HOST PORT CONNECTIONS BYTES     concurrent TCP connections to an echo server, every byte checked
 * udp HOST PORT DATAGRAMS              datagrams to a UDP echo server, every reply checked
 * refused HOST PORT                    exits 0 when the connection is refused
 * latency HOST PORT ROUNDS             connect, send 64 bytes, read them back, close; prints the median in µs
 * dns-tcp HOST PORT NAME…              A queries for every NAME pipelined on one DNS-over-TCP connection;
 *                                      prints {@code NAME ADDRESS…} (or {@code NAME rcode N}) per answer
 * echo-server HOST PORT                a TCP echo server, until killed
 * unix-echo-server PATH                a unix socket echo server (half-close passed on), until killed
 * </pre>
 */
public final class GuestTool {

  private GuestTool() {}

  public static void main(String[] args) throws Exception {
    if (args[0].equals("unix-echo-server")) {
      unixEchoServer(java.nio.file.Path.of(args[1]));
      return;
    }
    String host = args[1];
    int port = Integer.parseInt(args[2]);
    switch (args[0]) {
      case "echo" -> echo(host, port, Integer.parseInt(args[3]), Integer.parseInt(args[4]));
      case "udp" -> udp(host, port, Integer.parseInt(args[3]));
      case "refused" -> refused(host, port);
      case "latency" -> latency(host, port, Integer.parseInt(args[3]));
      case "dns-tcp" -> dnsTcp(host, port, Arrays.copyOfRange(args, 3, args.length));
      case "echo-server" -> echoServer(host, port);
      case "udp-echo-server" -> udpEchoServer(host, port);
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void echo(String host, int port, int connections, int bytes) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(connections);
    List<Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < connections; i++) {
      int seed = i;
      results.add(pool.submit(() -> echoOne(host, port, bytes, seed)));
    }
    int good = 0;
    for (Future<Boolean> f : results) {
      good += f.get() ? 1 : 0;
    }
    pool.shutdown();
    if (good != connections) {
      System.out.println(
          "failed: "
              + (connections - good)
              + " of "
              + connections
              + " connections lost or changed bytes");
      System.exit(1);
    }
    System.out.println("ok " + connections + " connections, " + bytes + " bytes each");
  }

  private static boolean echoOne(String host, int port, int bytes, int seed)
      throws IOException, InterruptedException {
    byte[] data = new byte[bytes];
    new Random(seed).nextBytes(data);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 20_000);
      s.setSoTimeout(60_000);
      InputStream in = s.getInputStream();
      OutputStream out = s.getOutputStream();
      Thread writer =
          new Thread(
              () -> {
                try {
                  out.write(data);
                  s.shutdownOutput();
                } catch (IOException e) {
                  System.out.println("write failed: " + e);
                }
              });
      writer.start();
      byte[] back = in.readAllBytes();
      writer.join();
      return Arrays.equals(back, data);
    }
  }

  private static void udp(String host, int port, int datagrams) throws IOException {
    try (DatagramSocket s = new DatagramSocket()) {
      s.setSoTimeout(2000);
      s.connect(new InetSocketAddress(host, port));
      Random r = new Random(1);
      byte[] back = new byte[2000];
      for (int i = 0; i < datagrams; i++) {
        byte[] d = new byte[1 + r.nextInt(1400)];
        r.nextBytes(d);
        boolean answered = false;
        for (int attempt = 0; attempt < 3 && !answered; attempt++) {
          s.send(new DatagramPacket(d, d.length));
          try {
            DatagramPacket p = new DatagramPacket(back, back.length);
            s.receive(p);
            answered = Arrays.equals(Arrays.copyOf(back, p.getLength()), d);
          } catch (SocketTimeoutException e) {
            // UDP may drop; try again
          }
        }
        if (!answered) {
          System.out.println("failed: datagram " + i + " not echoed");
          System.exit(1);
        }
      }
    }
    System.out.println("ok " + datagrams + " datagrams");
  }

  private static void dnsTcp(String host, int port, String[] names) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 20_000);
      s.setSoTimeout(20_000);
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(s.getOutputStream()));
      for (int id = 0; id < names.length; id++) {
        ByteBuffer q = ByteBuffer.allocate(512);
        q.putShort((short) id)
            .putShort((short) 0x0100)
            .putShort((short) 1)
            .putShort((short) 0)
            .putInt(0);
        for (String label : names[id].split("\\.")) {
          q.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
        }
        q.put((byte) 0).putShort((short) 1).putShort((short) 1);
        out.writeShort(q.position());
        out.write(q.array(), 0, q.position());
      }
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      for (int i = 0; i < names.length; i++) {
        byte[] reply = new byte[in.readUnsignedShort()];
        in.readFully(reply);
        System.out.println(
            names[reply[0] << 8 | reply[1] & 0xff] + " " + addresses(ByteBuffer.wrap(reply)));
      }
    }
  }

  /** The A records of a DNS reply, space-separated, or {@code rcode N}. */
  private static String addresses(ByteBuffer r) {
    if ((r.get(3) & 0xf) != 0) {
      return "rcode " + (r.get(3) & 0xf);
    }
    int p = skipName(r, 12) + 4;
    StringBuilder found = new StringBuilder();
    for (int i = 0; i < (r.getShort(6) & 0xffff); i++) {
      p = skipName(r, p);
      int type = r.getShort(p);
      int rdLength = r.getShort(p + 8) & 0xffff;
      if (type == 1 && rdLength == 4) {
        found
            .append(found.length() > 0 ? " " : "")
            .append(r.get(p + 10) & 0xff)
            .append('.')
            .append(r.get(p + 11) & 0xff)
            .append('.')
            .append(r.get(p + 12) & 0xff)
            .append('.')
            .append(r.get(p + 13) & 0xff);
      }
      p += 10 + rdLength;
    }
    return found.toString();
  }

  private static int skipName(ByteBuffer r, int p) {
    while (true) {
      int len = r.get(p) & 0xff;
      if (len == 0) {
        return p + 1;
      }
      if ((len & 0xc0) == 0xc0) {
        return p + 2;
      }
      p += 1 + len;
    }
  }

  private static void refused(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 10_000);
      System.out.println("failed: connected");
      System.exit(1);
    } catch (ConnectException e) {
      System.out.println("ok " + e.getMessage());
    }
  }

  private static void echoServer(String host, int port) throws IOException {
    try (java.net.ServerSocket server =
        new java.net.ServerSocket(port, 512, java.net.InetAddress.getByName(host))) {
      while (true) {
        Socket s = server.accept();
        Thread t =
            new Thread(
                () -> {
                  byte[] buf = new byte[65536];
                  try (s) {
                    s.setTcpNoDelay(true);
                    InputStream in = s.getInputStream();
                    OutputStream out = s.getOutputStream();
                    int n;
                    while ((n = in.read(buf)) > 0) {
                      out.write(buf, 0, n);
                    }
                  } catch (IOException e) {
                    // the client went away
                  }
                });
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private static void unixEchoServer(java.nio.file.Path path) throws IOException {
    java.nio.file.Files.deleteIfExists(path);
    try (java.nio.channels.ServerSocketChannel server =
        java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      server.bind(java.net.UnixDomainSocketAddress.of(path));
      while (true) {
        java.nio.channels.SocketChannel c = server.accept();
        Thread t =
            new Thread(
                () -> {
                  java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(65536);
                  try (c) {
                    while (c.read(buf) >= 0) {
                      buf.flip();
                      while (buf.hasRemaining()) {
                        c.write(buf);
                      }
                      buf.clear();
                    }
                    c.shutdownOutput();
                  } catch (IOException e) {
                    // the client went away
                  }
                });
        t.setDaemon(true);
        t.start();
      }
    }
  }

  private static void udpEchoServer(String host, int port) throws IOException {
    try (java.net.DatagramSocket socket =
        new java.net.DatagramSocket(
            new InetSocketAddress(java.net.InetAddress.getByName(host), port))) {
      byte[] buf = new byte[65536];
      while (true) {
        java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
        socket.receive(p);
        socket.send(new java.net.DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
      }
    }
  }

  private static void latency(String host, int port, int rounds) throws IOException {
    long[] micros = new long[rounds];
    byte[] request = new byte[64];
    for (int i = 0; i < rounds; i++) {
      long start = System.nanoTime();
      try (Socket s = new Socket()) {
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(host, port), 10_000);
        s.getOutputStream().write(request);
        if (s.getInputStream().readNBytes(request.length).length != request.length) {
          throw new IOException("short echo");
        }
      }
      micros[i] = (System.nanoTime() - start) / 1000;
    }
    Arrays.sort(micros);
    System.out.println("ok median_us " + micros[rounds / 2]);
  }
}
