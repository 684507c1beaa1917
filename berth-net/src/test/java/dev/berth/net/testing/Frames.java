package dev.berth.net.testing;

import dev.berth.net.stack.Checksum;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Builds guest frames by hand, and reads the fields of frames that come back. */
public final class Frames {

  public static final long GUEST_MAC = 0x5a94_efe4_0ceeL;
  public static final long GATEWAY_MAC = 0x5a94_efe4_0cddL;
  public static final int GUEST_IP = ip("192.168.127.2");
  public static final int GATEWAY_IP = ip("192.168.127.1");
  public static final int HOST_ALIAS_IP = ip("192.168.127.254");

  private Frames() {}

  public static int ip(String dotted) {
    String[] p = dotted.split("\\.");
    return Integer.parseInt(p[0]) << 24
        | Integer.parseInt(p[1]) << 16
        | Integer.parseInt(p[2]) << 8
        | Integer.parseInt(p[3]);
  }

  public static byte[] ethernet(long dst, long src, int type, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
    putMac(b, dst);
    putMac(b, src);
    b.putShort((short) type).put(payload);
    return b.array();
  }

  private static void putMac(ByteBuffer b, long mac) {
    b.putInt((int) (mac >>> 16)).putShort((short) mac);
  }

  public static byte[] arpRequest(int senderIp, int targetIp) {
    ByteBuffer a = ByteBuffer.allocate(28);
    a.putInt(0x0001_0800).putShort((short) 0x0604).putShort((short) 1);
    putMac(a, GUEST_MAC);
    a.putInt(senderIp);
    putMac(a, 0);
    a.putInt(targetIp);
    return ethernet(-1L >>> 16, GUEST_MAC, 0x0806, a.array());
  }

  /** An IPv4 frame from the guest to the gateway MAC. */
  public static byte[] ipv4(int src, int dst, int protocol, byte[] l4) {
    return ipv4(GATEWAY_MAC, src, dst, protocol, l4);
  }

  public static byte[] ipv4(long dstMac, int src, int dst, int protocol, byte[] l4) {
    ByteBuffer ip = ByteBuffer.allocate(20 + l4.length);
    ip.putInt(0x4500_0000 | (20 + l4.length)).putInt(0x0000_4000).putInt(64 << 24 | protocol << 16);
    ip.putInt(src).putInt(dst);
    ip.putShort(10, (short) Checksum.finish(Checksum.add(ip, 0, 20, 0)));
    ip.position(20);
    ip.put(l4);
    return ethernet(dstMac, GUEST_MAC, 0x0800, ip.array());
  }

  public static byte[] udp(int src, int dst, int srcPort, int dstPort, byte[] payload) {
    ByteBuffer u = ByteBuffer.allocate(8 + payload.length);
    u.putShort((short) srcPort)
        .putShort((short) dstPort)
        .putShort((short) (8 + payload.length))
        .putShort((short) 0);
    u.put(payload);
    int c =
        Checksum.finish(
            Checksum.add(u, 0, u.capacity(), Checksum.pseudoHeader(src, dst, 17, u.capacity())));
    u.putShort(6, (short) (c == 0 ? 0xffff : c));
    return ipv4(src, dst, 17, u.array());
  }

  /** TCP options of a SYN that offers an MSS of 1460 (a 1500-byte MTU). */
  public static byte[] mss1460() {
    return new byte[] {2, 4, 0x05, (byte) 0xb4};
  }

  public static byte[] tcp(
      int src,
      int dst,
      int srcPort,
      int dstPort,
      int seq,
      int ack,
      int flags,
      int window,
      byte[] options,
      byte[] payload) {
    int hl = 20 + options.length;
    ByteBuffer t = ByteBuffer.allocate(hl + payload.length);
    t.putShort((short) srcPort).putShort((short) dstPort).putInt(seq).putInt(ack);
    t.putShort((short) ((hl / 4) << 12 | flags)).putShort((short) window).putInt(0);
    t.put(options).put(payload);
    t.putShort(
        16,
        (short)
            Checksum.finish(
                Checksum.add(
                    t, 0, t.capacity(), Checksum.pseudoHeader(src, dst, 6, t.capacity()))));
    return ipv4(src, dst, 6, t.array());
  }

  public static byte[] icmpEcho(int src, int dst, int id, int seq, byte[] data) {
    ByteBuffer c = ByteBuffer.allocate(8 + data.length);
    c.put((byte) 8)
        .put((byte) 0)
        .putShort((short) 0)
        .putShort((short) id)
        .putShort((short) seq)
        .put(data);
    c.putShort(2, (short) Checksum.finish(Checksum.add(c, 0, c.capacity(), 0)));
    return ipv4(src, dst, 1, c.array());
  }

  /** A BOOTP message from the guest MAC; {@code requested} 0 leaves option 50 out. */
  public static byte[] dhcp(int type, int xid, int requested) {
    ByteBuffer d = ByteBuffer.allocate(300);
    d.put((byte) 1)
        .put((byte) 1)
        .put((byte) 6)
        .put((byte) 0)
        .putInt(xid)
        .putShort((short) 0)
        .putShort((short) 0);
    d.position(28);
    putMac(d, GUEST_MAC);
    d.position(236);
    d.putInt(0x6382_5363);
    d.put((byte) 53).put((byte) 1).put((byte) type);
    if (requested != 0) {
      d.put((byte) 50).put((byte) 4).putInt(requested);
    }
    d.put((byte) 255);
    ByteBuffer u = ByteBuffer.allocate(8 + 300);
    u.putShort((short) 68)
        .putShort((short) 67)
        .putShort((short) 308)
        .putShort((short) 0)
        .put(d.array());
    int c = Checksum.finish(Checksum.add(u, 0, 308, Checksum.pseudoHeader(0, -1, 17, 308)));
    u.putShort(6, (short) c);
    return ipv4(-1L >>> 16, 0, -1, 17, u.array());
  }

  public static byte[] dnsQuery(int id, String name, int type) {
    ByteBuffer q = ByteBuffer.allocate(12 + name.length() + 2 + 4);
    q.putShort((short) id)
        .putShort((short) 0x0100)
        .putShort((short) 1)
        .putShort((short) 0)
        .putInt(0);
    for (String label : name.split("\\.")) {
      q.put((byte) label.length()).put(label.getBytes(StandardCharsets.US_ASCII));
    }
    q.put((byte) 0).putShort((short) type).putShort((short) 1);
    byte[] out = new byte[q.position()];
    q.flip().get(out);
    return out;
  }

  /** The fields of a received frame; absent layers read as -1. */
  public record Parsed(
      ByteBuffer b,
      int ethType,
      int protocol,
      int src,
      int dst,
      int srcPort,
      int dstPort,
      int l4,
      int l4Length) {

    public static Parsed of(byte[] frame) {
      ByteBuffer b = ByteBuffer.wrap(frame);
      int type = b.getShort(12) & 0xffff;
      if (type != 0x0800) {
        return new Parsed(b, type, -1, -1, -1, -1, -1, 14, frame.length - 14);
      }
      int ihl = (b.get(14) & 0xf) * 4;
      int total = b.getShort(16) & 0xffff;
      int proto = b.get(23) & 0xff;
      int l4 = 14 + ihl;
      boolean ports = proto == 6 || proto == 17;
      return new Parsed(
          b,
          type,
          proto,
          b.getInt(26),
          b.getInt(30),
          ports ? b.getShort(l4) & 0xffff : -1,
          ports ? b.getShort(l4 + 2) & 0xffff : -1,
          l4,
          total - ihl);
    }

    public boolean isTcp() {
      return protocol == 6;
    }

    public int seq() {
      return b.getInt(l4 + 4);
    }

    public int ack() {
      return b.getInt(l4 + 8);
    }

    public int flags() {
      return b.get(l4 + 13) & 0x3f;
    }

    public int window() {
      return b.getShort(l4 + 14) & 0xffff;
    }

    public int tcpHeaderLength() {
      return ((b.get(l4 + 12) >> 4) & 0xf) * 4;
    }

    /** TCP or UDP payload. */
    public byte[] payload() {
      int start = isTcp() ? l4 + tcpHeaderLength() : l4 + 8;
      byte[] p = new byte[l4 + l4Length - start];
      b.get(start, p);
      return p;
    }

    /** The value of TCP option {@code kind} (its bytes after kind and length), or null. */
    public byte[] tcpOption(int kind) {
      int o = l4 + 20;
      int end = l4 + tcpHeaderLength();
      while (o < end) {
        int k = b.get(o) & 0xff;
        if (k == 0) {
          break;
        }
        if (k == 1) {
          o++;
          continue;
        }
        int len = b.get(o + 1) & 0xff;
        if (k == kind) {
          byte[] v = new byte[len - 2];
          b.get(o + 2, v);
          return v;
        }
        o += len;
      }
      return null;
    }

    public boolean checksumsValid() {
      if (ethType != 0x0800) {
        return true;
      }
      int ihl = (b.get(14) & 0xf) * 4;
      if (!Checksum.verifies(Checksum.add(b, 14, ihl, 0))) {
        return false;
      }
      if (protocol == 1) {
        return Checksum.verifies(Checksum.add(b, l4, l4Length, 0));
      }
      return Checksum.verifies(
          Checksum.add(b, l4, l4Length, Checksum.pseudoHeader(src, dst, protocol, l4Length)));
    }
  }
}
