package dev.berth.net;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_PSH;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;
import static dev.berth.net.testing.Frames.GUEST_IP;
import static dev.berth.net.testing.Frames.HOST_ALIAS_IP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.testing.EmbeddedNetwork;
import dev.berth.net.testing.Frames;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The TCP NAT's state machine, driven segment by segment by a fake guest against loopback servers,
 * on virtual time: its timers (retransmission, zero-window probes, TIME-WAIT) take no real time.
 */
class TcpNatTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final int BUFFER = 64 * 1024;

  private VirtualNetwork net;
  private EmbeddedNetwork guest;
  private ServerSocket server;
  private int nextPort = 45000;

  @BeforeEach
  void start() throws Exception {
    guest = EmbeddedNetwork.start(defaults());
    net = guest.net();
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  private static NetworkConfig defaults() {
    return NetworkConfig.gvproxyDefaults()
        .withTcpBufferBytes(BUFFER)
        .withOutboundAllowed(a -> a.getAddress().isLoopbackAddress());
  }

  /** Starts the network again with {@code change} made to the test's configuration. */
  private void restart(UnaryOperator<NetworkConfig> change) throws Exception {
    guest.close();
    guest = EmbeddedNetwork.start(change.apply(defaults()));
    net = guest.net();
  }

  private static void closeAll(Socket[] sockets) throws Exception {
    for (Socket s : sockets) {
      if (s != null) {
        s.close();
      }
    }
  }

  @AfterEach
  void stop() throws Exception {
    guest.close();
    server.close();
  }

  /** One guest-side connection: sequence numbers and the segments it sends. */
  private final class Conn {
    final int port = nextPort++;
    final int hostPort;
    int seq = 100_000;
    int ack;

    Conn(int hostPort) {
      this.hostPort = hostPort;
    }

    Frames.Parsed connect(int window, int wscale) throws Exception {
      byte[] opts =
          wscale < 0
              ? Frames.mss1460()
              : new byte[] {2, 4, 0x05, (byte) 0xb4, 1, 3, 3, (byte) wscale};
      guest.send(
          Frames.tcp(
              GUEST_IP, HOST_ALIAS_IP, port, hostPort, seq, 0, TCP_SYN, window, opts, new byte[0]));
      Frames.Parsed synAck = next();
      if ((synAck.flags() & TCP_SYN) != 0) {
        seq++;
        ack = synAck.seq() + 1;
        segment(TCP_ACK, window, new byte[0]);
      }
      return synAck;
    }

    void segment(int flags, int window, byte[] data) throws Exception {
      guest.send(
          Frames.tcp(
              GUEST_IP, HOST_ALIAS_IP, port, hostPort, seq, ack, flags, window, new byte[0], data));
      seq += data.length + ((flags & TCP_FIN) != 0 ? 1 : 0);
    }

    Frames.Parsed next() throws Exception {
      return guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == port);
    }

    Frames.Parsed guestExpectData() throws Exception {
      return guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == port && p.payload().length > 0);
    }

    Frames.Parsed guestExpect(int flag) throws Exception {
      return guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == port && (p.flags() & flag) != 0);
    }

    Frames.Parsed guestExpectWindow() throws Exception {
      return guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == port && p.window() > 0);
    }

    /** An open window in a segment without data (not in a probe of the guest's window). */
    Frames.Parsed guestExpectWindowUpdate() throws Exception {
      return guest.expect(
          WAIT, p -> p.isTcp() && p.dstPort() == port && p.window() > 0 && p.payload().length == 0);
    }

    /**
     * A zero-window probe as Linux sends it: no data, and the sequence number before the next one.
     */
    void zeroWindowProbe(int window) throws Exception {
      guest.send(
          Frames.tcp(
              GUEST_IP,
              HOST_ALIAS_IP,
              port,
              hostPort,
              seq - 1,
              ack,
              TCP_ACK,
              window,
              new byte[0],
              new byte[0]));
    }

    Frames.Parsed poll(Duration d) throws Exception {
      return guest.poll(d, p -> p.isTcp() && p.dstPort() == port);
    }
  }

  @Test
  void aRefusedHostPortBecomesARstToTheGuest() throws Exception {
    int closed = server.getLocalPort();
    server.close();
    Conn c = new Conn(closed);
    Frames.Parsed rst = c.connect(65535, 7);
    assertThat(rst.flags() & (TCP_RST | TCP_ACK)).isEqualTo(TCP_RST | TCP_ACK);
    assertThat(rst.ack()).isEqualTo(100_001);
    assertThat(net.stats().tcpFlows()).isZero();
  }

  @Test
  void handshakeNegotiatesMssAndWindowScaleAndDataFlowsBothWays() throws Exception {
    Conn c = new Conn(server.getLocalPort());
    Frames.Parsed synAck = c.connect(65535, 7);
    assertThat(synAck.flags()).isEqualTo(TCP_SYN | TCP_ACK);
    assertThat(synAck.checksumsValid()).isTrue();
    assertThat(ByteBuffer.wrap(synAck.tcpOption(2)).getShort()).isEqualTo((short) 1460);
    assertThat(synAck.tcpOption(3)).isNotNull();
    try (Socket s = server.accept();
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      byte[] hello = "hello host".getBytes(StandardCharsets.US_ASCII);
      c.segment(TCP_ACK, 65535, hello);
      assertThat(in.readNBytes(hello.length)).isEqualTo(hello);
      Frames.Parsed acked = c.next();
      assertThat(acked.ack()).isEqualTo(c.seq);

      out.write("hello guest".getBytes(StandardCharsets.US_ASCII));
      Frames.Parsed data = c.next();
      assertThat(new String(data.payload(), StandardCharsets.US_ASCII)).isEqualTo("hello guest");
      assertThat(data.checksumsValid()).isTrue();
      c.ack = data.seq() + data.payload().length;
      c.segment(TCP_ACK, 65535, new byte[0]);

      // Guest closes its half: the host reads EOF but may still send.
      c.segment(TCP_FIN | TCP_ACK, 65535, new byte[0]);
      assertThat(in.read()).isEqualTo(-1);
      out.write('x');
      Frames.Parsed late = c.guestExpectData();
      assertThat(late.payload()).containsExactly('x');
      c.ack = late.seq() + 1;
      c.segment(TCP_ACK, 65535, new byte[0]);

      // Host closes: the guest gets a TCP_FIN; acknowledging it ends the connection.
      s.shutdownOutput();
      Frames.Parsed fin = c.guestExpect(TCP_FIN);
      c.ack = fin.seq() + 1;
      c.segment(TCP_ACK, 65535, new byte[0]);
    }
    awaitFlows(0);
  }

  @Test
  void aGuestOpeningMoreConnectionsThanAllowedGetsARst() throws Exception {
    restart(c -> c.withTcpMaxFlows(2));
    assertThat(new Conn(server.getLocalPort()).connect(65535, 7).flags())
        .isEqualTo(TCP_SYN | TCP_ACK);
    assertThat(new Conn(server.getLocalPort()).connect(65535, 7).flags())
        .isEqualTo(TCP_SYN | TCP_ACK);
    Frames.Parsed refused = new Conn(server.getLocalPort()).connect(65535, 7);
    assertThat(refused.flags() & (TCP_RST | TCP_ACK)).isEqualTo(TCP_RST | TCP_ACK);
    assertThat(net.stats().tcpFlows()).isEqualTo(2);
  }

  @Test
  void connectionsBeyondTheBufferBudgetWaitForABufferAndThenFlow() throws Exception {
    onBudget(
        4,
        3,
        (conns, hosts) -> {
          for (int i = 0; i < conns.length; i++) {
            connect(conns, hosts, i);
          }
          byte[] page = new byte[1000];
          hosts[0].getOutputStream().write(page);
          Frames.Parsed first = conns[0].guestExpectData();
          hosts[1].getOutputStream().write(page);
          conns[1].guestExpectData();
          // Both buffers for the host's bytes hold data the guest has not acknowledged: the third
          // connection gets none.
          hosts[2].getOutputStream().write(page);
          int third = conns[2].port;
          assertThat(
                  guest.poll(
                      Duration.ofSeconds(2),
                      p -> p.isTcp() && p.dstPort() == third && p.payload().length > 0))
              .isNull();
          // The first connection's data acknowledged, its buffer comes back and the third may read.
          conns[0].ack = first.seq() + first.payload().length;
          conns[0].segment(TCP_ACK, 65535, new byte[0]);
          assertThat(conns[2].guestExpectData().payload()).hasSize(page.length);
        });
  }

  @Test
  void everyConnectionStarvedOfBuffersResumesWhenBuffersComeBack() throws Exception {
    onBudget(
        4,
        4,
        (conns, hosts) -> {
          for (int i = 0; i < conns.length; i++) {
            connect(conns, hosts, i);
          }
          byte[] page = new byte[1000];
          // Connections 0 and 1 hold both buffers for the host's bytes, with data the guest has not
          // acknowledged; the host's bytes of 2 and 3 find none.
          Frames.Parsed[] held = new Frames.Parsed[2];
          for (int i = 0; i < 2; i++) {
            hosts[i].getOutputStream().write(page);
            held[i] = conns[i].guestExpectData();
          }
          for (int i = 2; i < 4; i++) {
            hosts[i].getOutputStream().write(page);
          }
          int third = conns[2].port;
          int fourth = conns[3].port;
          assertThat(
                  guest.poll(
                      Duration.ofMillis(500),
                      p ->
                          p.isTcp()
                              && p.payload().length > 0
                              && (p.dstPort() == third || p.dstPort() == fourth)))
              .isNull();
          // Both buffers come back: both waiting connections get one.
          for (int i = 0; i < 2; i++) {
            conns[i].ack = held[i].seq() + held[i].payload().length;
            conns[i].segment(TCP_ACK, 65535, new byte[0]);
          }
          for (int i = 2; i < 4; i++) {
            assertThat(conns[i].guestExpectData().payload()).hasSize(page.length);
          }
        });
  }

  @Test
  void aGuestThatHasSentNothingIsReachedAtItsLeaseOnTheOnlyLink() throws Exception {
    // a guest restored from a saved state keeps its lease and may be silent until spoken to
    try (ServerSocketChannel listener =
            ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
      net.connectToGuest(listener.accept(), NetworkConfig.fromInt(GUEST_IP), 22, null);
      Frames.Parsed syn = guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == 22);
      assertThat(syn.flags()).isEqualTo(TCP_SYN);
    }
  }

  @Test
  void beyondTheBudgetTheGuestIsOfferedNoRoomUntilAQuietConnectionYieldsIts() throws Exception {
    onBudget(
        2,
        2,
        (conns, hosts) -> {
          // One buffer's room for the guest's bytes: the first connection reserves it, the second
          // is
          // offered a closed window, so that nothing the guest sends is ever dropped for want of
          // one.
          assertThat(connect(conns, hosts, 0).window()).isPositive();
          assertThat(connect(conns, hosts, 1).window()).isZero();
          byte[] words = "still talking".getBytes(StandardCharsets.US_ASCII);
          conns[0].segment(TCP_PSH | TCP_ACK, 65535, words);
          assertThat(hosts[0].getInputStream().readNBytes(words.length)).isEqualTo(words);
          // The second guest has bytes to send: its persist timer probes the closed window.
          conns[1].zeroWindowProbe(65535);
          assertThat(conns[1].next().window()).isZero();
          // The first connection keeps its room while its guest talks, even with every byte
          // written.
          int second = conns[1].port;
          assertThat(guest.poll(Duration.ofMillis(500), p -> p.isTcp() && p.dstPort() == second))
              .isNull();
          // Quiet for a second, its window closes, and soon after its room goes to the second,
          // which
          // hears unasked that its window opened (the guest's persist timer, backing off to
          // minutes,
          // would be all that asks).
          int first = conns[0].port;
          assertThat(
                  guest
                      .expect(WAIT, p -> p.isTcp() && p.dstPort() == first && p.window() == 0)
                      .ack())
              .isEqualTo(conns[0].seq);
          assertThat(conns[1].guestExpectWindowUpdate().window()).isPositive();
          conns[0].zeroWindowProbe(65535);
          assertThat(conns[0].next().window()).isZero();
          conns[1].segment(TCP_PSH | TCP_ACK, 65535, words);
          assertThat(hosts[1].getInputStream().readNBytes(words.length)).isEqualTo(words);
        });
  }

  @Test
  void aProbeCarryingABytePutsTheConnectionInLineAndTheByteArrivesOnceRoomComes() throws Exception {
    onBudget(
        2,
        2,
        (conns, hosts) -> {
          connect(conns, hosts, 0);
          assertThat(connect(conns, hosts, 1).window()).isZero();
          // A BSD-style zero-window probe: one byte of new data into the closed window finds no
          // room.
          conns[1].segment(TCP_PSH | TCP_ACK, 65535, new byte[] {42});
          Frames.Parsed answer = conns[1].next();
          assertThat(answer.ack()).isEqualTo(conns[1].seq - 1);
          assertThat(answer.window()).isZero();
          // The first connection's guest goes away: its room comes back and goes to the second.
          conns[0].segment(TCP_RST | TCP_ACK, 65535, new byte[0]);
          assertThat(conns[1].guestExpectWindowUpdate().window()).isPositive();
          conns[1].seq--;
          conns[1].segment(TCP_PSH | TCP_ACK, 65535, new byte[] {42});
          assertThat(hosts[1].getInputStream().read()).isEqualTo(42);
        });
  }

  @Test
  void aConnectionThatEndsGivesItsRoomBackForTheNextToBeOfferedAWindow() throws Exception {
    onBudget(
        2,
        3,
        (conns, hosts) -> {
          assertThat(connect(conns, hosts, 0).window()).isPositive();
          conns[0].segment(TCP_FIN | TCP_ACK, 65535, new byte[0]);
          assertThat(hosts[0].getInputStream().read()).isEqualTo(-1);
          assertThat(connect(conns, hosts, 1).window()).isPositive();
          conns[1].segment(TCP_RST | TCP_ACK, 65535, new byte[0]);
          awaitFlows(1);
          assertThat(connect(conns, hosts, 2).window()).isPositive();
        });
  }

  @Test
  void oneConnectionWaitingForRoomClosesTheWindowOfOneHolderOnly() throws Exception {
    onBudget(
        4,
        3,
        (conns, hosts) -> {
          connect(conns, hosts, 0);
          connect(conns, hosts, 1);
          connect(conns, hosts, 2);
          conns[2].zeroWindowProbe(65535);
          assertThat(conns[2].next().window()).isZero();
          int first = conns[0].port;
          int second = conns[1].port;
          int third = conns[2].port;
          int closed = 0;
          boolean opened = false;
          Frames.Parsed p;
          while ((p =
                  guest.poll(
                      Duration.ofSeconds(3),
                      f ->
                          f.isTcp()
                              && ((f.window() == 0
                                      && (f.dstPort() == first || f.dstPort() == second))
                                  || (f.window() > 0 && f.dstPort() == third))))
              != null) {
            if (p.dstPort() == third) {
              opened = true;
            } else {
              closed++;
            }
          }
          assertThat(closed).isEqualTo(1);
          assertThat(opened).isTrue();
        });
  }

  @Test
  void aGuestProbingWhileItsWindowClosesGetsRoomAgainWhenTheOtherGoesQuiet() throws Exception {
    onBudget(
        2,
        2,
        (conns, hosts) -> {
          int first = askWhileTheFirstWindowCloses(conns, hosts);
          assertThat(conns[1].guestExpectWindowUpdate().window()).isPositive();
          // The second, quiet in turn, gives the room back to the first, which waited in line.
          assertThat(windowUpdate(first).window()).isPositive();
        });
  }

  @Test
  void aGuestThatAskedWhileItsWindowClosedHearsItOpenWhenTheWaiterLeft() throws Exception {
    onBudget(
        2,
        2,
        (conns, hosts) -> {
          int first = askWhileTheFirstWindowCloses(conns, hosts);
          // The one it yields to goes away before the room comes: the room comes back unasked.
          conns[1].segment(TCP_FIN | TCP_ACK, 65535, new byte[0]);
          assertThat(windowUpdate(first).window()).isPositive();
        });
  }

  /**
   * Two connections on room for one: the second asks for room, the first's window closes for it,
   * and the first's guest, told so, probes at once. The first's port.
   */
  private int askWhileTheFirstWindowCloses(Conn[] conns, Socket[] hosts) throws Exception {
    connect(conns, hosts, 0);
    connect(conns, hosts, 1);
    conns[1].zeroWindowProbe(65535);
    assertThat(conns[1].next().window()).isZero();
    int first = conns[0].port;
    guest.expect(Duration.ofSeconds(3), f -> f.isTcp() && f.dstPort() == first && f.window() == 0);
    conns[0].zeroWindowProbe(65535);
    assertThat(conns[0].next().window()).isZero();
    return first;
  }

  /** The next open window, without data, to the guest's {@code port}, within 3 s. */
  private Frames.Parsed windowUpdate(int port) throws Exception {
    return guest.expect(
        Duration.ofSeconds(3),
        f -> f.isTcp() && f.dstPort() == port && f.window() > 0 && f.payload().length == 0);
  }

  /** A scenario on {@code conns} guest connections and their {@code hosts} sockets. */
  private interface Scenario {
    void run(Conn[] conns, Socket[] hosts) throws Exception;
  }

  /**
   * Runs {@code scenario} with a budget of {@code buffers} buffers (half each way) and room for
   * {@code n} connections, closing the host sockets it accepted after.
   */
  private void onBudget(int buffers, int n, Scenario scenario) throws Exception {
    restart(c -> c.withTcpBufferBudget(buffers * (long) BUFFER));
    Conn[] conns = new Conn[n];
    Socket[] hosts = new Socket[n];
    try {
      scenario.run(conns, hosts);
    } finally {
      closeAll(hosts);
    }
  }

  private Frames.Parsed connect(Conn[] conns, Socket[] hosts, int i) throws Exception {
    conns[i] = new Conn(server.getLocalPort());
    Frames.Parsed synAck = conns[i].connect(65535, 7);
    hosts[i] = server.accept();
    hosts[i].setSoTimeout(5000);
    return synAck;
  }

  @Test
  void theFlowCapCountsOnlyLiveConnectionsTheGuestOpened() throws Exception {
    restart(c -> c.withTcpMaxFlows(2));
    // A connection the host closed first, then the guest: in TIME-WAIT, its host socket closed.
    Conn closed = new Conn(server.getLocalPort());
    closed.connect(65535, 7);
    try (Socket s = server.accept();
        ServerSocketChannel listener =
            ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
      s.shutdownOutput();
      Frames.Parsed fin = closed.guestExpect(TCP_FIN);
      closed.ack = fin.seq() + 1;
      closed.segment(TCP_FIN | TCP_ACK, 65535, new byte[0]);
      s.setSoTimeout(5000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);

      // A connection forwarded from the host to the guest.
      int guestPort = 8080;
      net.connectToGuest(listener.accept(), NetworkConfig.fromInt(GUEST_IP), guestPort, null);
      Frames.Parsed syn = guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == guestPort);
      guest.send(
          Frames.tcp(
              GUEST_IP,
              Frames.GATEWAY_IP,
              guestPort,
              syn.srcPort(),
              9_000,
              syn.seq() + 1,
              TCP_SYN | TCP_ACK,
              65535,
              Frames.mss1460(),
              new byte[0]));
      guest.drain();
      assertThat(net.stats().tcpFlows()).isEqualTo(2);

      // Neither counts: the guest may open two more, not three.
      assertThat(new Conn(server.getLocalPort()).connect(65535, 7).flags())
          .isEqualTo(TCP_SYN | TCP_ACK);
      assertThat(new Conn(server.getLocalPort()).connect(65535, 7).flags())
          .isEqualTo(TCP_SYN | TCP_ACK);
      Frames.Parsed refused = new Conn(server.getLocalPort()).connect(65535, 7);
      assertThat(refused.flags() & (TCP_RST | TCP_ACK)).isEqualTo(TCP_RST | TCP_ACK);
      assertThat(net.stats().tcpFlows()).isEqualTo(4);
    }
  }

  @Test
  void aSlowGuestReaderStopsTheHostSender() throws Exception {
    Conn c = new Conn(server.getLocalPort());
    c.connect(4096, -1);
    try (Socket s = server.accept();
        OutputStream out = s.getOutputStream()) {
      Thread writer =
          new Thread(
              () -> {
                try {
                  out.write(new byte[4 << 20]);
                } catch (Exception e) {
                  // closed at the end of the test
                }
              });
      writer.setDaemon(true);
      writer.start();
      // Count distinct bytes: retransmissions repeat what the guest has not acknowledged. The
      // writer
      // is a real thread: wait for its first bytes before virtual time runs on.
      int base = c.ack;
      Frames.Parsed p = c.guestExpectData();
      int highest = p.seq() - base + p.payload().length;
      while ((p = c.poll(Duration.ofMillis(300))) != null) {
        highest = Math.max(highest, p.seq() - base + p.payload().length);
      }
      assertThat(highest).isBetween(1460, 4096);
      // A closed window: nothing but one-byte probes until it opens.
      int acked = highest;
      c.ack = base + acked;
      c.segment(TCP_ACK, 0, new byte[0]);
      while ((p = c.poll(Duration.ofMillis(700))) != null) {
        // A retransmission of acknowledged bytes may still be on its way; new bytes are probes
        // only.
        if (p.seq() - base >= acked) {
          assertThat(p.payload().length).isLessThanOrEqualTo(1);
        }
        highest = Math.max(highest, p.seq() - base + p.payload().length);
      }
      assertThat(highest).isBetween(acked, acked + 1);
      c.segment(TCP_ACK, 8192, new byte[0]);
      while ((p = c.poll(Duration.ofMillis(300))) != null) {
        highest = Math.max(highest, p.seq() - base + p.payload().length);
      }
      assertThat(highest).isBetween(acked + 1460, acked + 8192);
      writer.interrupt();
    }
  }

  @Test
  void aClosedWindowIsProbedAgainAndAgainUntilItOpens() throws Exception {
    Conn c = new Conn(server.getLocalPort());
    c.connect(4096, -1);
    try (Socket s = server.accept();
        OutputStream out = s.getOutputStream()) {
      out.write(new byte[64 * 1024]);
      int base = c.ack;
      Frames.Parsed p = c.guestExpectData();
      int highest = p.seq() - base + p.payload().length;
      while ((p = c.poll(Duration.ofMillis(300))) != null) {
        highest = Math.max(highest, p.seq() - base + p.payload().length);
      }
      c.ack = base + highest;
      c.segment(TCP_ACK, 0, new byte[0]);
      // The guest keeps its window closed and answers each probe, as Linux does, without telling
      // when it opens: berth-net must keep asking.
      int probes = 0;
      long end = guest.nanos() + Duration.ofMillis(3500).toNanos();
      while (guest.nanos() - end < 0) {
        p = c.poll(Duration.ofMillis(200));
        if (p != null && p.payload().length == 1 && p.seq() - base == highest) {
          probes++;
          c.segment(TCP_ACK, 0, new byte[0]);
        }
      }
      assertThat(probes).isGreaterThanOrEqualTo(3);
      c.segment(TCP_ACK, 4096, new byte[0]);
      Frames.Parsed more = c.guestExpectData();
      assertThat(more.seq() - base).isGreaterThanOrEqualTo(highest);
    }
  }

  @Test
  void aSlowHostReaderClosesTheWindowOfferedToTheGuest() throws Exception {
    Conn c = connectToASmallHostBuffer();
    try (Socket s = server.accept();
        InputStream in = s.getInputStream()) {
      fillTheWindowOfferedToTheGuest(c, 65535);
      // The host reads what was accepted; the window opens again.
      guest.drain();
      readInTheBackground(in);
      Frames.Parsed update = c.guestExpectWindow();
      assertThat(update.window()).isPositive();
    }
  }

  @Test
  void aGuestProbingTheClosedWindowIsAnsweredWithTheWindowAsItIs() throws Exception {
    Conn c = connectToASmallHostBuffer();
    try (Socket s = server.accept();
        InputStream in = s.getInputStream()) {
      fillTheWindowOfferedToTheGuest(c, 65535);
      readInTheBackground(in);
      // The window update is lost on its way (a full queue dropped it): the guest still sees a
      // closed
      // window, and its persist timer probes it.
      c.guestExpectWindow();
      while (c.poll(Duration.ofMillis(300)) != null) {
        // quiet before the probe
      }
      c.zeroWindowProbe(65535);
      Frames.Parsed answer = c.next();
      assertThat(answer.ack()).isEqualTo(c.seq);
      assertThat(answer.window()).isPositive();
    }
  }

  @Test
  void aWindowUpdateAfterTheAcknowledgedHostFinFitsTheGuestsClosedWindow() throws Exception {
    Conn c = connectToASmallHostBuffer();
    try (Socket s = server.accept();
        InputStream in = s.getInputStream()) {
      s.shutdownOutput();
      Frames.Parsed fin = c.guestExpect(TCP_FIN);
      // The guest acknowledges the TCP_FIN with its receive window full (its reader is busy
      // writing).
      c.ack = fin.seq() + 1;
      assertTheWindowUpdateFitsTheGuestsClosedWindow(c, in);
    }
  }

  @Test
  void aWindowUpdateWhileTheGuestsClosedWindowIsProbedFitsThatWindow() throws Exception {
    Conn c = connectToASmallHostBuffer();
    try (Socket s = server.accept();
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream()) {
      c.segment(TCP_ACK, 0, new byte[0]);
      out.write("for a closed window".getBytes(StandardCharsets.US_ASCII));
      Frames.Parsed probe = c.guestExpectData();
      assertThat(probe.payload()).hasSize(1);
      // Past a closed window: the guest drops the byte and answers with its window still closed.
      assertTheWindowUpdateFitsTheGuestsClosedWindow(c, in);
    }
  }

  /**
   * The guest, its own window closed, fills the window offered to it; then the host reads. With its
   * window closed the guest accepts no segment past the sequence number it expects next (RFC 793,
   * 3.3): a window update beyond it would be dropped, and the guest would wait for good.
   */
  private void assertTheWindowUpdateFitsTheGuestsClosedWindow(Conn c, InputStream host)
      throws Exception {
    c.segment(TCP_ACK, 0, new byte[0]);
    fillTheWindowOfferedToTheGuest(c, 0);
    guest.drain();
    readInTheBackground(host);
    Frames.Parsed update = c.guestExpectWindowUpdate();
    assertThat(update.seq()).isEqualTo(c.ack);
  }

  /**
   * A connection to a host socket with a small receive buffer: when the host does not read, the
   * window offered to the guest closes after some hundred KiB rather than megabytes.
   */
  private Conn connectToASmallHostBuffer() throws Exception {
    server.setReceiveBufferSize(4096);
    Conn c = new Conn(server.getLocalPort());
    c.connect(65535, 7);
    return c;
  }

  /**
   * Sends from the guest until berth-net offers it a zero window; the host reads nothing meanwhile.
   */
  private void fillTheWindowOfferedToTheGuest(Conn c, int guestWindow) throws Exception {
    byte[] chunk = new byte[1400];
    Arrays.fill(chunk, (byte) 7);
    int window = Integer.MAX_VALUE;
    for (int i = 0; i < 20_000 && window > 0; i++) {
      c.segment(TCP_ACK, guestWindow, chunk);
      if (i % 16 == 15) {
        Frames.Parsed a = latestAck(c);
        window = a.window();
        if (a.ack() != c.seq) {
          c.seq = a.ack();
        }
      }
    }
    assertThat(window).isZero();
  }

  private static void readInTheBackground(InputStream in) {
    Thread reader =
        new Thread(
            () -> {
              try {
                in.transferTo(OutputStream.nullOutputStream());
              } catch (java.io.IOException e) {
                // closed at the end of the test
              }
            });
    reader.setDaemon(true);
    reader.start();
  }

  private Frames.Parsed latestAck(Conn c) throws Exception {
    Frames.Parsed last = c.next();
    Frames.Parsed p;
    while ((p = c.poll(Duration.ofMillis(50))) != null) {
      last = p;
    }
    return last;
  }

  @Test
  void unacknowledgedDataIsRetransmitted() throws Exception {
    Conn c = new Conn(server.getLocalPort());
    c.connect(65535, 7);
    try (Socket s = server.accept();
        OutputStream out = s.getOutputStream()) {
      out.write("again".getBytes(StandardCharsets.US_ASCII));
      Frames.Parsed first = c.guestExpectData();
      Frames.Parsed again = c.guestExpectData();
      assertThat(again.seq()).isEqualTo(first.seq());
      assertThat(again.payload()).isEqualTo(first.payload());
    }
  }

  @Test
  void aGuestRstResetsTheHostSocket() throws Exception {
    Conn c = new Conn(server.getLocalPort());
    c.connect(65535, 7);
    try (Socket s = server.accept();
        InputStream in = s.getInputStream()) {
      c.segment(TCP_RST | TCP_ACK, 0, new byte[0]);
      assertThat(readOutcome(in)).isEqualTo("reset");
    }
    awaitFlows(0);
  }

  @Test
  void aGuestRstAfterBothFinsStillDeliversWhatTheGuestSent() throws Exception {
    Conn c = new Conn(server.getLocalPort());
    c.connect(65535, 7);
    try (Socket s = server.accept();
        InputStream in = s.getInputStream()) {
      s.shutdownOutput();
      Frames.Parsed fin = c.guestExpect(TCP_FIN);
      c.ack = fin.seq() + 1;
      // The guest's last bytes and TCP_FIN acknowledge ours; then its socket is gone, and the next
      // segment it gets (a late window update, say) draws a reset. Both arrive before the host
      // reads.
      byte[] last = "the last words".getBytes(StandardCharsets.US_ASCII);
      c.segment(TCP_FIN | TCP_ACK, 65535, last);
      c.segment(TCP_RST, 0, new byte[0]);
      s.setSoTimeout(5000);
      assertThat(in.readAllBytes()).isEqualTo(last);
    }
    // The host closed first, so the flow ends after TIME-WAIT (5 s), which the wait must outlast.
    awaitFlows(0, WAIT.plusSeconds(5));
  }

  private static String readOutcome(InputStream in) {
    try {
      return in.read() < 0 ? "eof" : "data";
    } catch (java.io.IOException e) {
      return "reset";
    }
  }

  @Test
  void aSegmentForNoConnectionGetsARst() throws Exception {
    Conn c = new Conn(server.getLocalPort());
    c.ack = 5555;
    c.segment(TCP_ACK, 65535, "stray".getBytes(StandardCharsets.US_ASCII));
    Frames.Parsed rst = c.next();
    assertThat(rst.flags()).isEqualTo(TCP_RST);
    assertThat(rst.seq()).isEqualTo(5555);
  }

  @Test
  void aStaleAckToTheSynOfAForwardedConnectionIsResetAndTheSynSentAgain() throws Exception {
    guest.send(Frames.arpRequest(GUEST_IP, Frames.GATEWAY_IP));
    guest.expect(WAIT, p -> p.ethType() == 0x0806);
    int guestPort = 8080;
    try (ServerSocketChannel listener =
            ServerSocketChannel.open()
                .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
      net.connectToGuest(listener.accept(), NetworkConfig.fromInt(GUEST_IP), guestPort, null);
      Frames.Parsed syn = guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == guestPort);
      assertThat(syn.flags()).isEqualTo(TCP_SYN);
      int gatewayPort = syn.srcPort();

      // The guest still holds an earlier connection on these ports: it answers with that one's
      // numbers.
      int staleAck = syn.seq() + 70_000;
      guest.send(
          Frames.tcp(
              GUEST_IP,
              Frames.GATEWAY_IP,
              guestPort,
              gatewayPort,
              5_000,
              staleAck,
              TCP_ACK,
              65535,
              new byte[0],
              new byte[0]));
      Frames.Parsed rst = guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == guestPort);
      assertThat(rst.flags()).isEqualTo(TCP_RST);
      assertThat(rst.seq()).isEqualTo(staleAck);
      Frames.Parsed again = guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == guestPort);
      assertThat(again.flags()).isEqualTo(TCP_SYN);
      assertThat(again.seq()).isEqualTo(syn.seq());

      guest.send(
          Frames.tcp(
              GUEST_IP,
              Frames.GATEWAY_IP,
              guestPort,
              gatewayPort,
              9_000,
              syn.seq() + 1,
              TCP_SYN | TCP_ACK,
              65535,
              Frames.mss1460(),
              new byte[0]));
      client.write(ByteBuffer.wrap("after the reset".getBytes(StandardCharsets.US_ASCII)));
      Frames.Parsed data =
          guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == guestPort && p.payload().length > 0);
      assertThat(new String(data.payload(), StandardCharsets.US_ASCII))
          .isEqualTo("after the reset");
      assertThat(data.ack()).isEqualTo(9_001);
    }
  }

  private void awaitFlows(int n) throws Exception {
    awaitFlows(n, WAIT);
  }

  private void awaitFlows(int n, Duration wait) throws Exception {
    long deadline = guest.nanos() + wait.toNanos();
    while (net.stats().tcpFlows() != n && guest.nanos() - deadline < 0) {
      guest.advance(EventLoop.TICK);
    }
    assertThat(net.stats().tcpFlows()).isEqualTo(n);
  }
}
