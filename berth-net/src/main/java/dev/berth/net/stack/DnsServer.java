package dev.berth.net.stack;

import dev.berth.net.config.DnsUpstreams;
import dev.berth.net.config.DnsZone;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.dns.HostResolvers;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS at the gateway. Names in the local zones ({@code containers.internal.} and {@code
 * docker.internal.} by default) are answered here; every other query travels to the host's
 * resolver, through the UDP NAT or, for queries over TCP, through {@link DnsTcpService}.
 */
final class DnsServer {

  private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
  static final int PORT = 53;
  private static final int TYPE_A = 1;
  private static final int RCODE_NXDOMAIN = 3;

  /** Room a local answer needs: the longest question the parser accepts with one A record fits. */
  static final int MAX_LOCAL_REPLY = 512;

  /** {@link #answer}: the name is in no local zone, the upstream resolver answers it. */
  static final int UPSTREAM = -1;

  /** {@link #answer}: not a query the server understands. */
  static final int INVALID = -2;

  private final StackContext context;

  /** Where the queries no local zone answers go. */
  private final UdpNat udp;

  private final DnsUpstreams upstreams;

  /** The resolvers last seen, and which of them queries go to: the next after one timed out. */
  private List<InetSocketAddress> known = List.of();

  private int current;

  /** The local zones, searched in order. */
  private final List<DnsZone> zones = new ArrayList<>();

  private final ByteBuffer reply = ByteBuffer.allocate(MAX_LOCAL_REPLY);

  DnsServer(StackContext context, UdpNat udp) {
    this.context = context;
    this.udp = udp;
    this.upstreams =
        context.config().dnsUpstreams() != null
            ? context.config().dnsUpstreams()
            : HostResolvers.of(false);
    List<DnsZone.Record> names =
        List.of(
            new DnsZone.Record("gateway", context.config().gatewayIp().getHostAddress(), null),
            new DnsZone.Record("host", context.config().hostAliasIp().getHostAddress(), null));
    zones.add(new DnsZone("containers.internal.", names, null));
    zones.add(new DnsZone("docker.internal.", names, null));
  }

  List<DnsZone> zones() {
    return List.copyOf(zones);
  }

  void addZone(DnsZone zone) {
    for (int i = 0; i < zones.size(); i++) {
      DnsZone old = zones.get(i);
      if (old.name().equals(zone.name())) {
        List<DnsZone.Record> records = new ArrayList<>(zone.records());
        records.addAll(old.records());
        zones.set(i, new DnsZone(zone.name(), records, zone.defaultIp()));
        return;
      }
    }
    zones.add(zone);
  }

  /** The resolver a query that leaves the network goes to now; null when none is known. */
  InetSocketAddress upstream() {
    List<InetSocketAddress> servers = upstreams.servers();
    if (!servers.equals(known)) {
      known = servers;
      current = 0;
    }
    return known.isEmpty() ? null : known.get(current);
  }

  /**
   * {@code server} did not answer in time: queries go to the next resolver (after the last, the
   * first).
   */
  void upstreamTimedOut(InetSocketAddress server) {
    if (!known.isEmpty() && known.get(current).equals(server)) {
      current = (current + 1) % known.size();
      if (known.size() > 1) {
        LOG.info("resolver {} did not answer; asking {}", server, known.get(current));
      }
    }
  }

  void onQuery(StreamLink link, long mac, int src, int srcPort, ByteBuffer b, int off, int len) {
    int replyLen = answer(b, off, len, reply.clear());
    if (replyLen == INVALID) {
      context.stats().framesDroppedInvalid++;
    } else if (replyLen == UPSTREAM) {
      udp.onDatagram(link, mac, src, srcPort, context.addresses().gatewayIp(), PORT, b, off, len);
    } else {
      context.sendUdp(
          link, mac, context.addresses().gatewayIp(), PORT, src, srcPort, reply, 0, replyLen);
    }
  }

  /**
   * Answers the query at {@code b[off, off + len)} from the local zones, writing the reply at
   * {@code r}'s position (it needs {@link #MAX_LOCAL_REPLY} bytes there): the reply's length,
   * {@link #UPSTREAM} when no local zone holds the name, or {@link #INVALID}. UDP and TCP share it.
   */
  int answer(ByteBuffer b, int off, int len, ByteBuffer r) {
    if (len < 12 || (b.get(off + 2) & 0x80) != 0 || (b.getShort(off + 4) & 0xffff) != 1) {
      return INVALID;
    }
    int end = off + len;
    StringBuilder name = new StringBuilder();
    int p = off + 12;
    while (true) {
      if (p >= end) {
        return INVALID;
      }
      int labelLen = b.get(p) & 0xff;
      p++;
      if (labelLen == 0) {
        break;
      }
      if (labelLen > 63 || p + labelLen > end || name.length() > 255) {
        return INVALID;
      }
      for (int i = 0; i < labelLen; i++) {
        name.append((char) (b.get(p + i) & 0xff));
      }
      name.append('.');
      p += labelLen;
    }
    if (p + 4 > end) {
      return INVALID;
    }
    int questionEnd = p + 4;
    int qtype = b.getShort(p) & 0xffff;
    String fqdn = name.toString().toLowerCase(Locale.ROOT);
    Integer answer = null;
    boolean local = false;
    for (DnsZone zone : zones) {
      String suffix = "." + zone.name().toLowerCase(Locale.ROOT);
      if (fqdn.endsWith(suffix)) {
        local = true;
        Inet4Address ip = zone.resolve(fqdn.substring(0, fqdn.length() - suffix.length()));
        answer = ip == null ? null : NetworkConfig.toInt(ip);
        break;
      }
    }
    if (!local) {
      return UPSTREAM;
    }
    int rcode = answer == null ? RCODE_NXDOMAIN : 0;
    boolean withAnswer = answer != null && qtype == TYPE_A;
    int questionLen = questionEnd - (off + 12);
    if (12 + questionLen + 16 > r.remaining()) {
      return INVALID;
    }
    int start = r.position();
    r.putShort(b.getShort(off));
    int rd = b.get(off + 2) & 0x01;
    r.put((byte) (0x84 | rd | (b.get(off + 2) & 0x78)));
    r.put((byte) (0x80 | rcode));
    r.putShort((short) 1)
        .putShort((short) (withAnswer ? 1 : 0))
        .putShort((short) 0)
        .putShort((short) 0);
    r.put(r.position(), b, off + 12, questionLen);
    r.position(r.position() + questionLen);
    if (withAnswer) {
      r.putShort((short) 0xc00c).putShort((short) TYPE_A).putShort((short) 1).putInt(0);
      r.putShort((short) 4).putInt(answer);
    }
    return r.position() - start;
  }
}
