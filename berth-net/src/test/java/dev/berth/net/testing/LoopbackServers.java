package dev.berth.net.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Host-side servers on 127.0.0.1 for the tests: a DNS responder (the "host resolver"), a UDP echo and
 * a TCP echo server. Everything stays on loopback.
 */
public final class LoopbackServers implements AutoCloseable {

    /** The address the DNS responder gives for every A query: 10.1.2.3 (never contacted). */
    public static final int DNS_ANSWER = 0x0a01_0203;

    private final DatagramSocket dns;
    private final DatagramSocket udpEcho;
    private final ServerSocket tcpEcho;
    private final AtomicInteger dnsQueries = new AtomicInteger();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Socket> accepted = new ArrayList<>();

    public LoopbackServers() throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        dns = new DatagramSocket(new InetSocketAddress(lo, 0));
        udpEcho = new DatagramSocket(new InetSocketAddress(lo, 0));
        tcpEcho = new ServerSocket(0, 512, lo);
        spawn("dns", this::serveDns);
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
                dnsQueries.incrementAndGet();
                ByteBuffer q = ByteBuffer.wrap(buf, 0, p.getLength());
                int end = 12;
                while (buf[end] != 0) {
                    end += (buf[end] & 0xff) + 1;
                }
                end += 5;
                ByteBuffer r = ByteBuffer.allocate(end + 16);
                r.putShort(q.getShort(0)).putShort((short) 0x8180).putShort((short) 1).putShort((short) 1).putInt(0);
                r.put(buf, 12, end - 12);
                r.putShort((short) 0xc00c).putShort((short) 1).putShort((short) 1).putInt(0).putShort((short) 4).putInt(DNS_ANSWER);
                dns.send(new DatagramPacket(r.array(), r.position(), p.getSocketAddress()));
            }
        } catch (IOException e) {
            // closed
        }
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
        try {
            while (true) {
                Socket s = tcpEcho.accept();
                synchronized (accepted) {
                    accepted.add(s);
                }
                Thread t = new Thread(() -> echo(s), "tcp-echo-conn");
                t.setDaemon(true);
                t.start();
            }
        } catch (IOException e) {
            // closed
        }
    }

    private static void echo(Socket s) {
        byte[] buf = new byte[65536];
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
            }
            s.shutdownOutput();
        } catch (SocketException e) {
            // reset by the peer
        } catch (IOException e) {
            // closed
        }
    }

    @Override
    public void close() throws IOException {
        dns.close();
        udpEcho.close();
        tcpEcho.close();
        synchronized (accepted) {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }
}
