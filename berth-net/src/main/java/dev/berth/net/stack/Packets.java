package dev.berth.net.stack;

import java.nio.ByteBuffer;

/**
 * Header layouts and writers for Ethernet, IPv4, UDP and TCP. Offsets are absolute buffer indices.
 */
public final class Packets {

  public static final int ETH_HEADER = 14;
  public static final int IP_HEADER = 20;
  public static final int UDP_HEADER = 8;
  public static final int TCP_HEADER = 20;

  public static final int ETHERTYPE_IPV4 = 0x0800;
  public static final int ETHERTYPE_ARP = 0x0806;

  public static final int PROTO_ICMP = 1;
  public static final int PROTO_TCP = 6;
  public static final int PROTO_UDP = 17;

  public static final int TCP_FIN = 0x01;
  public static final int TCP_SYN = 0x02;
  public static final int TCP_RST = 0x04;
  public static final int TCP_PSH = 0x08;
  public static final int TCP_ACK = 0x10;

  private Packets() {}

  public static long getMac(ByteBuffer b, int index) {
    return (b.getInt(index) & 0xffff_ffffL) << 16 | (b.getShort(index + 4) & 0xffff);
  }

  public static void putMac(ByteBuffer b, int index, long mac) {
    b.putInt(index, (int) (mac >>> 16));
    b.putShort(index + 4, (short) mac);
  }

  public static boolean isGroupMac(long mac) {
    return (mac & 0x0100_0000_0000L) != 0;
  }

  public static void putEthernet(ByteBuffer b, int index, long dst, long src, int type) {
    putMac(b, index, dst);
    putMac(b, index + 6, src);
    b.putShort(index + 12, (short) type);
  }

  /** Writes a 20-byte IPv4 header with DF set and its checksum. */
  public static void putIpv4(
      ByteBuffer b, int index, int totalLength, int protocol, int src, int dst) {
    b.putInt(index, 0x4500_0000 | totalLength);
    b.putInt(index + 4, 0x0000_4000);
    b.putInt(index + 8, 64 << 24 | protocol << 16);
    b.putInt(index + 12, src);
    b.putInt(index + 16, dst);
    b.putShort(index + 10, (short) Checksum.finish(Checksum.add(b, index, IP_HEADER, 0)));
  }

  /** Writes a UDP header and its checksum; the payload must already be in place. */
  public static void putUdp(
      ByteBuffer b, int index, int srcIp, int dstIp, int srcPort, int dstPort, int payloadLength) {
    int length = UDP_HEADER + payloadLength;
    b.putShort(index, (short) srcPort);
    b.putShort(index + 2, (short) dstPort);
    b.putShort(index + 4, (short) length);
    b.putShort(index + 6, (short) 0);
    long sum =
        Checksum.add(b, index, length, Checksum.pseudoHeader(srcIp, dstIp, PROTO_UDP, length));
    int c = Checksum.finish(sum);
    b.putShort(index + 6, (short) (c == 0 ? 0xffff : c));
  }

  public static String ipToString(int ip) {
    return (ip >>> 24) + "." + ((ip >>> 16) & 0xff) + "." + ((ip >>> 8) & 0xff) + "." + (ip & 0xff);
  }
}
