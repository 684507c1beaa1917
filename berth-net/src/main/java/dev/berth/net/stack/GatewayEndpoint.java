package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.ETH_HEADER;
import static dev.berth.net.stack.Packets.IP_HEADER;
import static dev.berth.net.stack.Packets.UDP_HEADER;

import java.nio.ByteBuffer;

/**
 * The gateway's own endpoint: checks each frame addressed to it, answers ARP and ICMP echo, and
 * hands IPv4 on to DHCP, DNS, the forwards' replies and the TCP and UDP NAT.
 */
final class GatewayEndpoint {

  private final Addressing net;
  private final Stats stats;
  private final Neighbors neighbors;
  private final TcpNat tcp;
  private final UdpNat udp;
  private final DhcpServer dhcp;
  private final DnsServer dns;
  private final InboundForwards inbound;

  GatewayEndpoint(
      StackContext context,
      Neighbors neighbors,
      TcpNat tcp,
      UdpNat udp,
      DhcpServer dhcp,
      DnsServer dns,
      InboundForwards inbound) {
    this.net = context.addresses();
    this.stats = context.stats();
    this.neighbors = neighbors;
    this.tcp = tcp;
    this.udp = udp;
    this.dhcp = dhcp;
    this.dns = dns;
    this.inbound = inbound;
  }

  void onFrame(StreamLink from, long srcMac, ByteBuffer b, int off, int len) {
    int type = b.getShort(off + 12) & 0xffff;
    if (type == Packets.ETHERTYPE_IPV4) {
      ipv4(from, srcMac, b, off + ETH_HEADER, len - ETH_HEADER);
    } else if (type == Packets.ETHERTYPE_ARP) {
      arp(from, srcMac, b, off + ETH_HEADER, len - ETH_HEADER);
    } else {
      stats.framesDroppedInvalid++;
    }
  }

  private void arp(StreamLink from, long srcMac, ByteBuffer b, int a, int len) {
    if (len < 28 || b.getInt(a) != 0x0001_0800 || b.getShort(a + 4) != 0x0604) {
      stats.framesDroppedInvalid++;
      return;
    }
    int op = b.getShort(a + 6);
    long senderMac = Packets.getMac(b, a + 8);
    int senderIp = b.getInt(a + 14);
    if (net.inSubnet(senderIp) && senderMac == srcMac) {
      neighbors.learnAddress(senderIp, senderMac);
    }
    int targetIp = b.getInt(a + 24);
    if (op != 1 || (targetIp != net.gatewayIp() && targetIp != net.hostAliasIp())) {
      return;
    }
    int frameLen = ETH_HEADER + 28;
    int f = from.reserve(frameLen);
    if (f < 0) {
      stats.framesDroppedOutput++;
      return;
    }
    ByteBuffer o = from.out();
    Packets.putEthernet(o, f, srcMac, net.gatewayMac(), Packets.ETHERTYPE_ARP);
    int r = f + ETH_HEADER;
    o.putInt(r, 0x0001_0800);
    o.putShort(r + 4, (short) 0x0604);
    o.putShort(r + 6, (short) 2);
    Packets.putMac(o, r + 8, net.gatewayMac());
    o.putInt(r + 14, targetIp);
    Packets.putMac(o, r + 18, senderMac);
    o.putInt(r + 24, senderIp);
    from.commit(frameLen);
  }

  private void ipv4(StreamLink from, long srcMac, ByteBuffer b, int ip, int avail) {
    if (avail < IP_HEADER) {
      stats.framesDroppedInvalid++;
      return;
    }
    int versionIhl = b.get(ip) & 0xff;
    int ihl = (versionIhl & 0xf) * 4;
    int total = b.getShort(ip + 2) & 0xffff;
    if (versionIhl >> 4 != 4
        || ihl < IP_HEADER
        || total < ihl
        || total > avail
        || !Checksum.verifies(Checksum.add(b, ip, ihl, 0))) {
      stats.framesDroppedInvalid++;
      return;
    }
    if ((b.getShort(ip + 6) & 0x3fff) != 0) {
      // Fragments: Linux sets DF on TCP and fragments nothing else a container host sends.
      stats.framesDroppedInvalid++;
      return;
    }
    int protocol = b.get(ip + 9) & 0xff;
    int src = b.getInt(ip + 12);
    if (net.inSubnet(src)) {
      neighbors.learnAddress(src, srcMac);
    }
    int dst = b.getInt(ip + 16);
    int l4 = ip + ihl;
    int l4len = total - ihl;
    switch (protocol) {
      case Packets.PROTO_TCP -> {
        if (net.inSubnet(src) && !net.isBroadcastOrMulticast(dst)) {
          tcp.onSegment(from, srcMac, src, dst, b, l4, l4len);
        } else {
          stats.framesDroppedInvalid++;
        }
      }
      case Packets.PROTO_UDP -> udp(from, srcMac, src, dst, b, l4, l4len);
      case Packets.PROTO_ICMP -> icmp(from, srcMac, src, dst, b, l4, l4len);
      default -> stats.framesDroppedInvalid++;
    }
  }

  private void udp(StreamLink from, long srcMac, int src, int dst, ByteBuffer b, int u, int len) {
    if (len < UDP_HEADER) {
      stats.framesDroppedInvalid++;
      return;
    }
    int srcPort = b.getShort(u) & 0xffff;
    int dstPort = b.getShort(u + 2) & 0xffff;
    int udpLen = b.getShort(u + 4) & 0xffff;
    if (udpLen < UDP_HEADER || udpLen > len) {
      stats.framesDroppedInvalid++;
      return;
    }
    if (b.getShort(u + 6) != 0
        && !Checksum.verifies(
            Checksum.add(
                b, u, udpLen, Checksum.pseudoHeader(src, dst, Packets.PROTO_UDP, udpLen)))) {
      stats.framesDroppedInvalid++;
      return;
    }
    int payload = u + UDP_HEADER;
    int payloadLen = udpLen - UDP_HEADER;
    int gatewayIp = net.gatewayIp();
    if (dstPort == DhcpServer.SERVER_PORT && (dst == gatewayIp || dst == -1)) {
      int leased = dhcp.onRequest(from, srcMac, b, payload, payloadLen);
      if (leased != 0) {
        // The guest has the address from now on: forwards to it work before it sends anything else.
        neighbors.learnAddress(leased, Packets.getMac(b, payload + 28));
      }
    } else if (!net.inSubnet(src)) {
      stats.framesDroppedInvalid++;
    } else if (dst == gatewayIp && dstPort == DnsServer.PORT) {
      dns.onQuery(from, srcMac, src, srcPort, b, payload, payloadLen);
    } else if (dst == gatewayIp
        && inbound.onUdpReply(src, srcPort, dstPort, b, payload, payloadLen)) {
      return;
    } else if (dst == gatewayIp || net.isBroadcastOrMulticast(dst)) {
      stats.framesDroppedInvalid++;
    } else {
      udp.onDatagram(from, srcMac, src, srcPort, dst, dstPort, b, payload, payloadLen);
    }
  }

  private void icmp(StreamLink from, long srcMac, int src, int dst, ByteBuffer b, int c, int len) {
    if (len < 8 || !Checksum.verifies(Checksum.add(b, c, len, 0))) {
      stats.framesDroppedInvalid++;
      return;
    }
    int type = b.get(c) & 0xff;
    // Echo is answered for the gateway and the host alias; the JVM has no ICMP socket to go
    // further.
    if (type != 8 || (dst != net.gatewayIp() && dst != net.hostAliasIp()) || !net.inSubnet(src)) {
      return;
    }
    int frameLen = ETH_HEADER + IP_HEADER + len;
    int f = from.reserve(frameLen);
    if (f < 0) {
      stats.framesDroppedOutput++;
      return;
    }
    ByteBuffer o = from.out();
    Packets.putEthernet(o, f, srcMac, net.gatewayMac(), Packets.ETHERTYPE_IPV4);
    Packets.putIpv4(o, f + ETH_HEADER, IP_HEADER + len, Packets.PROTO_ICMP, dst, src);
    int r = f + ETH_HEADER + IP_HEADER;
    o.put(r, b, c, len);
    o.put(r, (byte) 0);
    o.putShort(r + 2, (short) 0);
    o.putShort(r + 2, (short) Checksum.finish(Checksum.add(o, r, len, 0)));
    from.commit(frameLen);
  }
}
