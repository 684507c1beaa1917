package dev.berth.net;

import static dev.berth.net.testing.Frames.GATEWAY_IP;
import static dev.berth.net.testing.Frames.GUEST_IP;
import static dev.berth.net.testing.Frames.HOST_ALIAS_IP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.NetworkStats;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.stack.Checksum;
import dev.berth.net.testing.Frames;
import dev.berth.net.testing.GuestSim;
import dev.berth.net.testing.LoopbackServers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A million malformed and random frames: berth-net must survive them, hold no more connection state
 * afterwards than before, and still carry correct traffic.
 */
class FuzzIT {

  private static final int FRAMES = 1_000_000;
  private static final Duration WAIT = Duration.ofSeconds(5);

  @TempDir Path dir;

  @Test
  void survivesAMillionBadFramesAndStillWorks() throws Exception {
    try (LoopbackServers servers = new LoopbackServers()) {
      Set<Integer> allowedPorts =
          Set.of(servers.tcpEchoPort(), servers.udpEchoPort(), servers.dnsAddress().getPort());
      NetworkConfig config =
          NetworkConfig.gvproxyDefaults()
              .withDnsUpstream(servers.dnsAddress())
              .withUdpIdleTimeout(Duration.ofSeconds(2))
              .withOutboundAllowed(
                  a -> a.getAddress().isLoopbackAddress() && allowedPorts.contains(a.getPort()));
      try (VirtualNetwork net = VirtualNetwork.start(config)) {
        net.listenUnix(dir.resolve("net.sock"), Framing.QEMU);
        try (GuestSim guest = new GuestSim(dir.resolve("net.sock"), Framing.QEMU)) {
          int echo = servers.tcpEchoPort();
          int[][] open = new int[3][];
          for (int i = 0; i < open.length; i++) {
            open[i] = handshake(guest, 50_000 + i, echo);
          }
          assertThat(net.stats().tcpFlows()).isEqualTo(3);

          List<byte[]> templates = templates(servers, open);
          Random random = new Random(20261128);
          guest.discard(true);
          ByteBuffer batch = ByteBuffer.allocate(1 << 20);
          for (int i = 0; i < FRAMES; i++) {
            byte[] f = random.nextInt(10) < 3 ? randomFrame(random) : mutate(random, templates);
            if (batch.remaining() < 4 + f.length) {
              guest.sendRaw(batch.flip());
              batch.clear();
            }
            batch.putInt(f.length).put(f);
          }
          guest.sendRaw(batch.flip());
          // The ping is answered only after every frame before it was handled.
          guest.send(Frames.icmpEcho(GUEST_IP, GATEWAY_IP, 0x7777, 1, new byte[8]));
          awaitEchoReply(guest);
          guest.discard(false);

          NetworkStats afterFuzz = net.stats();
          assertThat(afterFuzz.framesFromGuest() + afterFuzz.framesDroppedSize())
              .isGreaterThanOrEqualTo(FRAMES);
          assertThat(afterFuzz.links()).isEqualTo(1);
          // Half-open connections and UDP flows the fuzz created expire; nothing else remains.
          awaitState(net, 3, 0);

          guest.drain();
          int[] fresh = handshake(guest, 51_000, echo);
          byte[] msg = "still works".getBytes(StandardCharsets.US_ASCII);
          guest.send(
              Frames.tcp(
                  GUEST_IP,
                  HOST_ALIAS_IP,
                  51_000,
                  echo,
                  fresh[0],
                  fresh[1],
                  0x18,
                  65535,
                  new byte[0],
                  msg));
          Frames.Parsed back =
              guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == 51_000 && p.payload().length > 0);
          assertThat(back.payload()).isEqualTo(msg);
          guest.send(
              Frames.udp(
                  GUEST_IP,
                  GATEWAY_IP,
                  40_000,
                  53,
                  Frames.dnsQuery(9, "host.containers.internal", 1)));
          Frames.Parsed dns = guest.expect(WAIT, p -> p.protocol() == 17 && p.srcPort() == 53);
          assertThat(ByteBuffer.wrap(dns.payload()).getShort(6)).isEqualTo((short) 1);
        }
      }
    }
  }

  private static void awaitEchoReply(GuestSim guest) throws Exception {
    guest.discard(false);
    guest.expect(
        Duration.ofMinutes(3), p -> p.protocol() == 1 && p.b().getShort(p.l4() + 4) == 0x7777);
  }

  private static void awaitState(VirtualNetwork net, int maxTcp, int maxUdp) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    NetworkStats s = net.stats();
    while ((s.tcpFlows() > maxTcp || s.udpFlows() > maxUdp) && System.nanoTime() < deadline) {
      Thread.sleep(200);
      s = net.stats();
    }
    assertThat(s.tcpFlows()).isLessThanOrEqualTo(maxTcp);
    assertThat(s.udpFlows()).isLessThanOrEqualTo(maxUdp);
  }

  /**
   * Opens a connection to the host echo server; returns the guest's next sequence number and ack.
   */
  private static int[] handshake(GuestSim guest, int port, int echo) throws Exception {
    int isn = port * 1000;
    guest.send(
        Frames.tcp(
            GUEST_IP,
            HOST_ALIAS_IP,
            port,
            echo,
            isn,
            0,
            0x02,
            65535,
            new byte[] {2, 4, 0x05, (byte) 0xb4, 1, 3, 3, 7},
            new byte[0]));
    Frames.Parsed synAck = guest.expect(WAIT, p -> p.isTcp() && p.dstPort() == port);
    assertThat(synAck.flags()).isEqualTo(0x12);
    int[] state = {isn + 1, synAck.seq() + 1};
    guest.send(
        Frames.tcp(
            GUEST_IP,
            HOST_ALIAS_IP,
            port,
            echo,
            state[0],
            state[1],
            0x10,
            65535,
            new byte[0],
            new byte[0]));
    return state;
  }

  private static List<byte[]> templates(LoopbackServers servers, int[][] open) {
    List<byte[]> t = new ArrayList<>();
    t.add(Frames.arpRequest(GUEST_IP, GATEWAY_IP));
    t.add(Frames.icmpEcho(GUEST_IP, GATEWAY_IP, 1, 1, new byte[56]));
    t.add(Frames.dhcp(1, 42, 0));
    t.add(Frames.dhcp(3, 43, GUEST_IP));
    t.add(
        Frames.udp(
            GUEST_IP, GATEWAY_IP, 40_001, 53, Frames.dnsQuery(1, "host.containers.internal", 1)));
    t.add(
        Frames.udp(GUEST_IP, GATEWAY_IP, 40_002, 53, Frames.dnsQuery(2, "example.berth.test", 1)));
    t.add(Frames.udp(GUEST_IP, HOST_ALIAS_IP, 40_003, servers.udpEchoPort(), new byte[100]));
    t.add(
        Frames.tcp(
            GUEST_IP,
            HOST_ALIAS_IP,
            40_004,
            servers.tcpEchoPort(),
            1,
            0,
            0x02,
            65535,
            Frames.mss1460(),
            new byte[0]));
    t.add(
        Frames.tcp(
            GUEST_IP, HOST_ALIAS_IP, 40_005, 9, 1, 0, 0x02, 65535, new byte[0], new byte[0]));
    for (int i = 0; i < open.length; i++) {
      t.add(
          Frames.tcp(
              GUEST_IP,
              HOST_ALIAS_IP,
              50_000 + i,
              servers.tcpEchoPort(),
              open[i][0],
              open[i][1],
              0x18,
              65535,
              new byte[0],
              new byte[64]));
    }
    return t;
  }

  private static byte[] randomFrame(Random r) {
    byte[] f = new byte[r.nextInt(200)];
    r.nextBytes(f);
    return f;
  }

  /**
   * A template with a few bytes changed, sometimes cut short, and half the time with checksums
   * repaired.
   */
  private static byte[] mutate(Random r, List<byte[]> templates) {
    byte[] t = templates.get(r.nextInt(templates.size()));
    byte[] f = r.nextInt(8) == 0 ? java.util.Arrays.copyOf(t, r.nextInt(t.length + 1)) : t.clone();
    if (f.length == 0) {
      return f;
    }
    int changes = 1 + r.nextInt(4);
    for (int i = 0; i < changes; i++) {
      int limit = r.nextBoolean() ? Math.min(f.length, 14 + 20 + 40) : f.length;
      f[r.nextInt(limit)] = (byte) r.nextInt(256);
    }
    if (r.nextBoolean()) {
      repairChecksums(f);
    }
    return f;
  }

  private static void repairChecksums(byte[] f) {
    ByteBuffer b = ByteBuffer.wrap(f);
    if (f.length < 34 || b.getShort(12) != 0x0800) {
      return;
    }
    int ihl = (b.get(14) & 0xf) * 4;
    if (ihl < 20 || 14 + ihl > f.length) {
      return;
    }
    b.putShort(24, (short) 0);
    b.putShort(24, (short) Checksum.finish(Checksum.add(b, 14, ihl, 0)));
    int total = Math.min(b.getShort(16) & 0xffff, f.length - 14);
    int l4 = 14 + ihl;
    int l4len = total - ihl;
    int proto = b.get(23) & 0xff;
    int field = proto == 6 ? 16 : proto == 17 ? 6 : proto == 1 ? 2 : -1;
    if (l4len < field + 2 || field < 0) {
      return;
    }
    b.putShort(l4 + field, (short) 0);
    long pseudo = proto == 1 ? 0 : Checksum.pseudoHeader(b.getInt(26), b.getInt(30), proto, l4len);
    b.putShort(l4 + field, (short) Checksum.finish(Checksum.add(b, l4, l4len, pseudo)));
  }
}
