package dev.berth.net.testing;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Host-side servers on 127.0.0.1 for the tests: a DNS responder (the "host resolver", over UDP and
 * TCP on the same port), a UDP echo and a TCP echo server. Everything stays on loopback.
 */
public final class LoopbackServers implements AutoCloseable {

  /** The address the DNS responder gives for every A query: 10.1.2.3 (never contacted). */
  public static final int DNS_ANSWER = 0x0a01_0203;

  /**
   * How many A records the responder gives for a name whose first label is {@code big}: more than
   * 512 bytes' worth.
   */
  public static final int BIG_ANSWER_RECORDS = 40;

  private final DatagramSocket dns;
  private final ServerSocket dnsTcp;
  private final DatagramSocket udpEcho;
  private final ServerSocket tcpEcho;
  private final AtomicInteger dnsQueries = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private final List<Socket> accepted = new ArrayList<>();

  public LoopbackServers() throws IOException {
    InetAddress lo = InetAddress.getLoopbackAddress();
    // DNS answers on one port number for UDP and TCP: a UDP port whose TCP twin is taken is given
    // up.
    DatagramSocket udp = null;
    ServerSocket tcp = null;
    for (int attempt = 0; tcp == null; attempt++) {
      udp = new DatagramSocket(new InetSocketAddress(lo, 0));
      try {
        tcp = new ServerSocket(udp.getLocalPort(), 50, lo);
      } catch (java.net.BindException e) {
        udp.close();
        if (attempt == 20) {
          throw e;
        }
      }
    }
    dns = udp;
    dnsTcp = tcp;
    udpEcho = new DatagramSocket(new InetSocketAddress(lo, 0));
    tcpEcho = new ServerSocket(0, 512, lo);
    spawn("dns", this::serveDns);
    spawn("dns-tcp", this::serveDnsTcp);
    spawn("udp-echo", this::serveUdpEcho);
    spawn("tcp-echo", this::serveTcpEcho);
  }

  private void spawn(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    threads.add(t);
  }

  public InetSocketAddress dnsAddress() {
    return (InetSocketAddress) dns.getLocalSocketAddress();
  }

  public int dnsQueries() {
    return dnsQueries.get();
  }

  public int udpEchoPort() {
    return udpEcho.getLocalPort();
  }

  public int tcpEchoPort() {
    return tcpEcho.getLocalPort();
  }

  private void serveDns() {
    byte[] buf = new byte[1500];
    try {
      while (true) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        dns.receive(p);
        byte[] r = dnsAnswer(buf);
        dns.send(new DatagramPacket(r, r.length, p.getSocketAddress()));
      }
    } catch (IOException e) {
      // closed
    }
  }

  /** Answers the queries of each connection in turn, each message after its 2-byte length. */
  private void serveDnsTcp() {
    serve(
        dnsTcp,
        "dns-tcp-conn",
        s -> {
          DataInputStream in = new DataInputStream(s.getInputStream());
          DataOutputStream out = new DataOutputStream(s.getOutputStream());
          while (true) {
            byte[] q = new byte[in.readUnsignedShort()];
            in.readFully(q);
            byte[] r = dnsAnswer(q);
            out.writeShort(r.length);
            out.write(r);
          }
        });
  }

  /** The answer to the A query {@code q}: {@link #DNS_ANSWER}, as many times as the name asks. */
  private byte[] dnsAnswer(byte[] q) {
    dnsQueries.incrementAndGet();
    int end = 12;
    while (q[end] != 0) {
      end += (q[end] & 0xff) + 1;
    }
    end += 5;
    boolean big = new String(q, 13, q[12], StandardCharsets.US_ASCII).equals("big");
    int records = big ? BIG_ANSWER_RECORDS : 1;
    ByteBuffer r = ByteBuffer.allocate(end + 16 * records);
    r.putShort(ByteBuffer.wrap(q).getShort(0))
        .putShort((short) 0x8180)
        .putShort((short) 1)
        .putShort((short) records)
        .putInt(0);
    r.put(q, 12, end - 12);
    for (int i = 0; i < records; i++) {
      r.putShort((short) 0xc00c)
          .putShort((short) 1)
          .putShort((short) 1)
          .putInt(0)
          .putShort((short) 4)
          .putInt(DNS_ANSWER);
    }
    return r.array();
  }

  private void serveUdpEcho() {
    byte[] buf = new byte[65536];
    try {
      while (true) {
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        udpEcho.receive(p);
        udpEcho.send(new DatagramPacket(buf, p.getLength(), p.getSocketAddress()));
      }
    } catch (IOException e) {
      // closed
    }
  }

  private void serveTcpEcho() {
    serve(
        tcpEcho,
        "tcp-echo-conn",
        s -> {
          byte[] buf = new byte[65536];
          InputStream in = s.getInputStream();
          OutputStream out = s.getOutputStream();
          int n;
          while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
          }
          s.shutdownOutput();
        });
  }

  /** What a server does with one accepted connection, until it ends. */
  private interface Session {
    void run(Socket s) throws IOException;
  }

  /** Accepts connections on {@code server} until it closes, each served by its own thread. */
  private void serve(ServerSocket server, String threadName, Session session) {
    try {
      while (true) {
        Socket s = server.accept();
        synchronized (accepted) {
          accepted.add(s);
        }
        Thread t =
            new Thread(
                () -> {
                  try (s) {
                    session.run(s);
                  } catch (IOException e) {
                    // closed, reset or ended by the peer
                  }
                },
                threadName);
        t.setDaemon(true);
        t.start();
      }
    } catch (IOException e) {
      // closed
    }
  }

  @Override
  public void close() throws IOException {
    dns.close();
    dnsTcp.close();
    udpEcho.close();
    tcpEcho.close();
    synchronized (accepted) {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }
}
