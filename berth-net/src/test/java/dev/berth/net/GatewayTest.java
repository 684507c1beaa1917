package dev.berth.net;

import static dev.berth.net.testing.Frames.GATEWAY_IP;
import static dev.berth.net.testing.Frames.GUEST_IP;
import static dev.berth.net.testing.Frames.HOST_ALIAS_IP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.DnsZone;
import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.testing.Frames;
import dev.berth.net.testing.GuestSim;
import dev.berth.net.testing.GuestTcp;
import dev.berth.net.testing.LoopbackServers;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway's own protocols (DNS over TCP too), driven by a fake guest over the unix socket
 * transport.
 */
class GatewayTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path dir;
  private LoopbackServers servers;
  private VirtualNetwork net;
  private GuestSim guest;
  private int nextPort = 46000;

  @BeforeEach
  void start() throws Exception {
    servers = new LoopbackServers();
    net =
        VirtualNetwork.start(
            NetworkConfig.gvproxyDefaults()
                .withDnsUpstream(servers.dnsAddress())
                .withOutboundAllowed(a -> a.getAddress().isLoopbackAddress()));
    net.listenUnix(dir.resolve("net.sock"), Framing.QEMU);
    guest = new GuestSim(dir.resolve("net.sock"), Framing.QEMU);
  }

  @AfterEach
  void stop() throws Exception {
    guest.close();
    net.close();
    servers.close();
  }

  @Test
  void answersArpForGatewayAndHostAliasOnly() throws Exception {
    for (int target : new int[] {GATEWAY_IP, HOST_ALIAS_IP}) {
      guest.send(Frames.arpRequest(GUEST_IP, target));
      Frames.Parsed reply = guest.expect(WAIT, p -> p.ethType() == 0x0806);
      ByteBuffer b = reply.b();
      assertThat(b.getShort(14 + 6)).isEqualTo((short) 2);
      assertThat(b.getInt(14 + 14)).isEqualTo(target);
      assertThat(b.getInt(14 + 8) & 0xffffffffL).isEqualTo(Frames.GATEWAY_MAC >>> 16);
      assertThat(b.getInt(14 + 24)).isEqualTo(GUEST_IP);
    }
    guest.send(Frames.arpRequest(GUEST_IP, Frames.ip("192.168.127.77")));
    assertThat(guest.poll(Duration.ofMillis(300), p -> p.ethType() == 0x0806)).isNull();
  }

  @Test
  void aGuestSpoofingMillionsOfMacsFillsABoundedTableAndStillGetsAnswers() throws Exception {
    byte[] junk = new byte[20];
    for (long i = 0; i < 20_000; i++) {
      long spoofed = 0x0200_0000_0000L | i;
      guest.send(Frames.ethernet(Frames.GATEWAY_MAC, spoofed, 0x0800, junk));
    }
    guest.send(Frames.arpRequest(GUEST_IP, GATEWAY_IP));
    assertThat(guest.expect(WAIT, p -> p.ethType() == 0x0806)).isNotNull();
    assertThat(net.stats().knownMacs()).isEqualTo(dev.berth.net.stack.Gateway.MAX_MACS);
  }

  @Test
  void repliesToEchoRequestsToTheGateway() throws Exception {
    byte[] data = "berth ping".getBytes(StandardCharsets.US_ASCII);
    guest.send(Frames.icmpEcho(GUEST_IP, GATEWAY_IP, 0x1234, 7, data));
    Frames.Parsed reply = guest.expect(WAIT, p -> p.protocol() == 1);
    assertThat(reply.checksumsValid()).isTrue();
    assertThat(reply.src()).isEqualTo(GATEWAY_IP);
    assertThat(reply.dst()).isEqualTo(GUEST_IP);
    ByteBuffer b = reply.b();
    assertThat(b.get(reply.l4())).isZero();
    assertThat(b.getShort(reply.l4() + 4)).isEqualTo((short) 0x1234);
    assertThat(b.getShort(reply.l4() + 6)).isEqualTo((short) 7);
    byte[] echoed = new byte[data.length];
    b.get(reply.l4() + 8, echoed);
    assertThat(echoed).isEqualTo(data);
  }

  @Test
  void dhcpOffersAndAcknowledgesTheStaticLeaseWithRouterDnsAndMtu() throws Exception {
    guest.send(Frames.dhcp(1, 0xabcdef01, 0));
    Frames.Parsed offer = guest.expect(WAIT, p -> p.protocol() == 17 && p.dstPort() == 68);
    assertThat(offer.checksumsValid()).isTrue();
    ByteBuffer d = ByteBuffer.wrap(offer.payload());
    assertThat(d.getInt(4)).isEqualTo(0xabcdef01);
    assertThat(d.getInt(16)).isEqualTo(GUEST_IP);
    assertThat(dhcpOption(d, 53)).containsExactly(2);
    assertThat(ByteBuffer.wrap(dhcpOption(d, 3)).getInt()).isEqualTo(GATEWAY_IP);
    assertThat(ByteBuffer.wrap(dhcpOption(d, 6)).getInt()).isEqualTo(GATEWAY_IP);
    assertThat(ByteBuffer.wrap(dhcpOption(d, 1)).getInt()).isEqualTo(0xffffff00);
    assertThat(ByteBuffer.wrap(dhcpOption(d, 26)).getShort()).isEqualTo((short) 1500);

    guest.send(Frames.dhcp(3, 0xabcdef02, GUEST_IP));
    Frames.Parsed ack = guest.expect(WAIT, p -> p.protocol() == 17 && p.dstPort() == 68);
    assertThat(dhcpOption(ByteBuffer.wrap(ack.payload()), 53)).containsExactly(5);

    guest.send(Frames.dhcp(3, 0xabcdef03, Frames.ip("192.168.127.9")));
    Frames.Parsed nak = guest.expect(WAIT, p -> p.protocol() == 17 && p.dstPort() == 68);
    assertThat(dhcpOption(ByteBuffer.wrap(nak.payload()), 53)).containsExactly(6);
  }

  @Test
  void guestWithAddressCompletesWhenDhcpAcknowledgesTheLease() throws Exception {
    Inet4Address guestIp = NetworkConfig.gvproxyDefaults().guestIp();
    CompletableFuture<Void> reachable = net.guestWithAddress(guestIp);
    guest.send(Frames.dhcp(1, 0xabcdef11, 0));
    guest.expect(WAIT, p -> p.protocol() == 17 && p.dstPort() == 68);
    assertThat(reachable).as("an offer is not yet an address").isNotDone();

    guest.send(Frames.dhcp(3, 0xabcdef12, GUEST_IP));
    guest.expect(WAIT, p -> p.protocol() == 17 && p.dstPort() == 68);
    reachable.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(net.guestWithAddress(guestIp)).as("known from now on").isDone();
    assertThat(net.guestWithAddress((Inet4Address) InetAddress.getByName("192.168.127.9")))
        .isNotDone();
  }

  private static byte[] dhcpOption(ByteBuffer d, int code) {
    int o = 240;
    while (o < d.limit() && (d.get(o) & 0xff) != 255) {
      int c = d.get(o) & 0xff;
      int len = d.get(o + 1) & 0xff;
      if (c == code) {
        byte[] v = new byte[len];
        d.get(o + 2, v);
        return v;
      }
      o += 2 + len;
    }
    return null;
  }

  @Test
  void dnsAnswersLocalNamesAndForwardsTheRestUpstream() throws Exception {
    assertThat(resolve("host.containers.internal", 1)).isEqualTo(HOST_ALIAS_IP);
    assertThat(resolve("gateway.docker.internal", 1)).isEqualTo(GATEWAY_IP);
    assertThat(resolve("HOST.Docker.Internal", 1)).isEqualTo(HOST_ALIAS_IP);
    assertThat(resolve("nothing.containers.internal", 1)).isEqualTo(-3);
    assertThat(resolve("host.containers.internal", 28)).isEqualTo(0);
    assertThat(resolve("db.berth.test", 1)).isEqualTo(LoopbackServers.DNS_ANSWER);
    assertThat(servers.dnsQueries()).isEqualTo(1);
  }

  /** The A answer to a query over UDP, as {@link #address}. */
  private int resolve(String name, int type) throws Exception {
    int id = name.hashCode() & 0xffff;
    guest.send(Frames.udp(GUEST_IP, GATEWAY_IP, 40000, 53, Frames.dnsQuery(id, name, type)));
    Frames.Parsed r = guest.expect(WAIT, p -> p.protocol() == 17 && p.srcPort() == 53);
    assertThat(r.src()).isEqualTo(GATEWAY_IP);
    assertThat(ByteBuffer.wrap(r.payload()).getShort(0) & 0xffff).isEqualTo(id);
    return address(r.payload());
  }

  @Test
  void oversizedFramesAreDroppedAndCountedAndTheStreamStaysInStep() throws Exception {
    ByteBuffer big = ByteBuffer.allocate(4 + 9000);
    big.putInt(9000).position(big.capacity()).flip();
    guest.sendRaw(big);
    guest.send(Frames.icmpEcho(GUEST_IP, GATEWAY_IP, 1, 1, new byte[8]));
    guest.expect(WAIT, p -> p.protocol() == 1);
    assertThat(net.stats().framesDroppedSize()).isEqualTo(1);
  }

  @Test
  void the16BitLittleEndianFramingCarriesFramesToo() throws Exception {
    net.listenUnix(dir.resolve("le.sock"), Framing.LENGTH16_LE);
    try (GuestSim le = new GuestSim(dir.resolve("le.sock"), Framing.LENGTH16_LE)) {
      le.send(Frames.icmpEcho(GUEST_IP, GATEWAY_IP, 2, 2, new byte[32]));
      assertThat(le.expect(WAIT, p -> p.protocol() == 1).dst()).isEqualTo(GUEST_IP);
    }
  }

  @Test
  void udpDatagramsReachTheHostAliasAndRepliesComeBack() throws Exception {
    byte[] msg = "hello udp".getBytes(StandardCharsets.US_ASCII);
    guest.send(Frames.udp(GUEST_IP, HOST_ALIAS_IP, 41000, servers.udpEchoPort(), msg));
    Frames.Parsed r = guest.expect(WAIT, p -> p.protocol() == 17 && p.dstPort() == 41000);
    assertThat(r.checksumsValid()).isTrue();
    assertThat(r.src()).isEqualTo(HOST_ALIAS_IP);
    assertThat(r.srcPort()).isEqualTo(servers.udpEchoPort());
    assertThat(r.payload()).isEqualTo(msg);
    assertThat(net.stats().udpFlows()).isEqualTo(1);
  }

  @Test
  void destinationsOutsideThePolicyAreRefused() throws Exception {
    guest.send(
        Frames.tcp(
            GUEST_IP,
            Frames.ip("10.9.9.9"),
            43000,
            80,
            1000,
            0,
            0x02,
            65535,
            new byte[0],
            new byte[0]));
    Frames.Parsed rst = guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == 43000);
    assertThat(rst.flags() & 0x04).isNotZero();
    assertThat(rst.ack()).isEqualTo(1001);
  }

  private GuestTcp connectToDns() throws Exception {
    return new GuestTcp(guest, GUEST_IP, nextPort++, GATEWAY_IP, 53, WAIT);
  }

  private static byte[] framed(byte[]... messages) {
    ByteBuffer b = ByteBuffer.allocate(Arrays.stream(messages).mapToInt(m -> 2 + m.length).sum());
    for (byte[] m : messages) {
      b.putShort((short) m.length).put(m);
    }
    return b.array();
  }

  private static byte[] readMessage(GuestTcp conn) throws Exception {
    return conn.read(ByteBuffer.wrap(conn.read(2)).getShort() & 0xffff);
  }

  /**
   * The last A record of an answer, 0 for an empty NOERROR answer, minus the rcode for an error.
   */
  private static int address(byte[] reply) {
    ByteBuffer d = ByteBuffer.wrap(reply);
    int rcode = d.get(3) & 0xf;
    if (rcode != 0) {
      return -rcode;
    }
    return d.getShort(6) == 0 ? 0 : d.getInt(d.limit() - 4);
  }

  @Test
  void pipelinedQueriesOnOneConnectionAreAllAnswered() throws Exception {
    GuestTcp conn = connectToDns();
    conn.send(
        framed(
            Frames.dnsQuery(1, "host.containers.internal", 1),
            Frames.dnsQuery(2, "db.berth.test", 1),
            Frames.dnsQuery(3, "gateway.docker.internal", 1),
            Frames.dnsQuery(4, "nothing.containers.internal", 1)));
    Map<Integer, Integer> byId = new HashMap<>();
    for (int i = 0; i < 4; i++) {
      byte[] reply = readMessage(conn);
      byId.put(ByteBuffer.wrap(reply).getShort(0) & 0xffff, address(reply));
    }
    assertThat(byId)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(1, HOST_ALIAS_IP, 2, LoopbackServers.DNS_ANSWER, 3, GATEWAY_IP, 4, -3));

    conn.send(framed(Frames.dnsQuery(5, "host.docker.internal", 1)));
    assertThat(address(readMessage(conn))).isEqualTo(HOST_ALIAS_IP);
  }

  @Test
  void aQuerySplitAcrossSegmentsIsAnsweredWhole() throws Exception {
    GuestTcp conn = connectToDns();
    byte[] query = framed(Frames.dnsQuery(7, "gateway.containers.internal", 1));
    for (int[] range : List.of(new int[] {0, 1}, new int[] {1, 9}, new int[] {9, query.length})) {
      conn.send(Arrays.copyOfRange(query, range[0], range[1]));
    }
    byte[] reply = readMessage(conn);
    assertThat(ByteBuffer.wrap(reply).getShort(0)).isEqualTo((short) 7);
    assertThat(address(reply)).isEqualTo(GATEWAY_IP);
  }

  @Test
  void aLocalNameGetsTheSameAnswerAsOverUdp() throws Exception {
    byte[] query = Frames.dnsQuery(9, "host.containers.internal", 1);
    guest.send(Frames.udp(GUEST_IP, GATEWAY_IP, 40000, 53, query));
    byte[] overUdp = guest.expect(WAIT, p -> p.protocol() == 17 && p.srcPort() == 53).payload();

    GuestTcp conn = connectToDns();
    conn.send(framed(query));
    assertThat(readMessage(conn)).isEqualTo(overUdp);
    assertThat(servers.dnsQueries()).isZero();
  }

  @Test
  void aZoneAddedThroughTheApiIsAnsweredOverTcp() throws Exception {
    net.addDnsZone(
        new DnsZone("berth.test.", List.of(new DnsZone.Record("db", "10.5.5.5", null)), null));
    GuestTcp conn = connectToDns();
    conn.send(framed(Frames.dnsQuery(11, "db.berth.test", 1)));
    assertThat(address(readMessage(conn))).isEqualTo(Frames.ip("10.5.5.5"));
    assertThat(servers.dnsQueries()).isZero();
  }

  @Test
  void anUpstreamAnswerLargerThan512BytesComesWhole() throws Exception {
    GuestTcp conn = connectToDns();
    conn.send(framed(Frames.dnsQuery(13, "big.example.com", 1)));
    byte[] reply = readMessage(conn);
    ByteBuffer d = ByteBuffer.wrap(reply);
    assertThat(reply.length).isGreaterThan(512);
    assertThat(d.get(2) & 0x02).as("TC bit").isZero();
    assertThat(d.getShort(6)).isEqualTo((short) LoopbackServers.BIG_ANSWER_RECORDS);
    assertThat(address(reply)).isEqualTo(LoopbackServers.DNS_ANSWER);
  }

  @Test
  void answersPendingWhenTheGuestFinishesStillArrive() throws Exception {
    GuestTcp conn = connectToDns();
    conn.send(framed(Frames.dnsQuery(15, "db.example.com", 1)));
    conn.finish();
    assertThat(address(readMessage(conn))).isEqualTo(LoopbackServers.DNS_ANSWER);
  }
}
