package dev.berth.net.stack;

import dev.berth.net.log.LogRate;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DHCP as gvproxy serves it: a static lease for the guest MAC, the lowest free address for others.
 */
final class DhcpServer {

  /** Leases are per MAC, and a guest chooses its MACs: its lines are rate-limited. */
  private final LogRate log = new LogRate();

  private static final Logger LOG = LoggerFactory.getLogger(DhcpServer.class);
  static final int SERVER_PORT = 67;
  static final int CLIENT_PORT = 68;
  static final int LEASE_SECONDS = 3600;
  private static final int MAGIC = 0x6382_5363;
  private static final int DISCOVER = 1;
  private static final int OFFER = 2;
  private static final int REQUEST = 3;
  private static final int ACK = 5;
  private static final int NAK = 6;

  private final StackContext context;
  private final Addressing net;
  private final Map<Long, Integer> leases = new HashMap<>();
  private final ByteBuffer reply = ByteBuffer.allocate(576);

  DhcpServer(StackContext context) {
    this.context = context;
    this.net = context.addresses();
    leases.put(net.guestMac(), net.guestIp());
  }

  /** The MAC address that holds a lease of {@code ip}, or null. */
  Long macLeased(int ip) {
    for (Map.Entry<Long, Integer> e : leases.entrySet()) {
      if (e.getValue() == ip) {
        return e.getKey();
      }
    }
    return null;
  }

  /** The current leases, MAC to address. */
  Map<Long, Integer> leases() {
    return Map.copyOf(leases);
  }

  /** Answers a DHCP message; the address it acknowledged to the guest, or 0. */
  int onRequest(StreamLink link, long srcMac, ByteBuffer b, int off, int len) {
    if (len < 240
        || b.get(off) != 1
        || b.get(off + 1) != 1
        || b.get(off + 2) != 6
        || b.getInt(off + 236) != MAGIC) {
      context.stats().framesDroppedInvalid++;
      return 0;
    }
    int xid = b.getInt(off + 4);
    int flags = b.getShort(off + 10) & 0xffff;
    long chaddr = Packets.getMac(b, off + 28);
    int type = 0;
    int requested = 0;
    int o = off + 240;
    int end = off + len;
    while (o < end) {
      int code = b.get(o) & 0xff;
      if (code == 255) {
        break;
      }
      if (code == 0) {
        o++;
        continue;
      }
      if (o + 1 >= end) {
        break;
      }
      int optLen = b.get(o + 1) & 0xff;
      if (o + 2 + optLen > end) {
        break;
      }
      if (code == 53 && optLen == 1) {
        type = b.get(o + 2) & 0xff;
      } else if (code == 50 && optLen == 4) {
        requested = b.getInt(o + 2);
      }
      o += 2 + optLen;
    }
    if (type != DISCOVER && type != REQUEST) {
      LOG.debug(
          "DHCP message type {} from {} ignored",
          type,
          new dev.berth.net.config.MacAddress(chaddr));
      return 0;
    }
    int ip = leaseFor(chaddr);
    if (ip == 0) {
      log.warn(
          LOG,
          "DHCP pool exhausted; no address for {}",
          new dev.berth.net.config.MacAddress(chaddr));
      return 0;
    }
    int replyType = type == DISCOVER ? OFFER : (requested == 0 || requested == ip ? ACK : NAK);
    int n = buildReply(replyType, xid, flags, replyType == NAK ? 0 : ip, chaddr);
    boolean broadcast = (flags & 0x8000) != 0 || replyType == NAK;
    context.sendUdp(
        link, chaddr, net.gatewayIp(), SERVER_PORT, broadcast ? -1 : ip, CLIENT_PORT, reply, 0, n);
    if (replyType != ACK) {
      return 0;
    }
    log.info(
        LOG,
        "DHCP lease {} for {}",
        Packets.ipToString(ip),
        new dev.berth.net.config.MacAddress(chaddr));
    return ip;
  }

  private int leaseFor(long mac) {
    Integer existing = leases.get(mac);
    if (existing != null) {
      return existing;
    }
    for (int ip = net.subnet() + 1; ip != (net.subnet() | ~net.mask()); ip++) {
      if (ip != net.gatewayIp() && ip != net.hostAliasIp() && !leases.containsValue(ip)) {
        leases.put(mac, ip);
        return ip;
      }
    }
    return 0;
  }

  private int buildReply(int type, int xid, int flags, int yiaddr, long chaddr) {
    ByteBuffer r = reply;
    java.util.Arrays.fill(r.array(), (byte) 0);
    r.clear();
    r.put((byte) 2).put((byte) 1).put((byte) 6).put((byte) 0);
    r.putInt(xid);
    r.putShort((short) 0).putShort((short) flags);
    r.putInt(0).putInt(yiaddr).putInt(net.gatewayIp()).putInt(0);
    Packets.putMac(r, 28, chaddr);
    r.position(236);
    r.putInt(MAGIC);
    r.put((byte) 53).put((byte) 1).put((byte) type);
    r.put((byte) 54).put((byte) 4).putInt(net.gatewayIp());
    if (type != NAK) {
      r.put((byte) 51).put((byte) 4).putInt(LEASE_SECONDS);
      r.put((byte) 1).put((byte) 4).putInt(net.mask());
      r.put((byte) 3).put((byte) 4).putInt(net.gatewayIp());
      r.put((byte) 6).put((byte) 4).putInt(net.gatewayIp());
      r.put((byte) 26).put((byte) 2).putShort((short) net.mtu());
    }
    r.put((byte) 255);
    return Math.max(r.position(), 300);
  }
}
