package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.ETH_HEADER;
import static dev.berth.net.stack.Packets.IP_HEADER;
import static dev.berth.net.stack.Packets.TCP_HEADER;

import java.nio.ByteBuffer;

/**
 * One TCP segment to the guest, described before it is written: addresses, numbers, flags, the MSS
 * and window-scale options (SYN and SYN-ACK only) and data taken from a {@link ByteRing}.
 */
final class TcpSegment {

  final int srcIp;
  final int srcPort;
  final int dstIp;
  final int dstPort;
  int seq;
  int ack;
  int flags;
  int window;

  /** Put in as an option when not negative. */
  int mssOption = -1;

  /** Put in as an option when not negative. */
  int shiftOption = -1;

  ByteRing data;
  int dataOffset;
  int dataLength;

  private TcpSegment(int srcIp, int srcPort, int dstIp, int dstPort) {
    this.srcIp = srcIp;
    this.srcPort = srcPort;
    this.dstIp = dstIp;
    this.dstPort = dstPort;
  }

  /** From the far end of {@code key} to the guest's end. */
  static TcpSegment toGuest(FlowKey key) {
    return new TcpSegment(key.remoteIp, key.remotePort, key.guestIp, key.guestPort);
  }

  /** From {@code srcIp:srcPort} to {@code dstIp:dstPort}. */
  static TcpSegment between(int srcIp, int srcPort, int dstIp, int dstPort) {
    return new TcpSegment(srcIp, srcPort, dstIp, dstPort);
  }

  TcpSegment seq(int value) {
    seq = value;
    return this;
  }

  TcpSegment ack(int value) {
    ack = value;
    return this;
  }

  TcpSegment flags(int value) {
    flags = value;
    return this;
  }

  TcpSegment window(int value) {
    window = value;
    return this;
  }

  /** The options of a SYN: {@code shift} negative leaves window scaling out. */
  TcpSegment synOptions(int mss, int shift) {
    mssOption = mss;
    shiftOption = shift;
    return this;
  }

  TcpSegment data(ByteRing ring, int offset, int length) {
    data = ring;
    dataOffset = offset;
    dataLength = length;
    return this;
  }

  /**
   * Writes the segment as a frame to {@code dstMac} from {@code srcMac}; false when the link's
   * output is full.
   */
  boolean writeTo(StreamLink link, long dstMac, long srcMac) {
    int optionsLen = (mssOption >= 0 ? 4 : 0) + (shiftOption >= 0 ? 4 : 0);
    int tcpLen = TCP_HEADER + optionsLen + dataLength;
    int frameLen = ETH_HEADER + IP_HEADER + tcpLen;
    int f = link.reserve(frameLen);
    if (f < 0) {
      return false;
    }
    ByteBuffer o = link.out();
    Packets.putEthernet(o, f, dstMac, srcMac, Packets.ETHERTYPE_IPV4);
    Packets.putIpv4(o, f + ETH_HEADER, IP_HEADER + tcpLen, Packets.PROTO_TCP, srcIp, dstIp);
    int t = f + ETH_HEADER + IP_HEADER;
    o.putShort(t, (short) srcPort);
    o.putShort(t + 2, (short) dstPort);
    o.putInt(t + 4, seq);
    o.putInt(t + 8, ack);
    o.putShort(t + 12, (short) (((TCP_HEADER + optionsLen) / 4) << 12 | flags));
    o.putShort(t + 14, (short) window);
    o.putInt(t + 16, 0);
    int opt = t + TCP_HEADER;
    if (mssOption >= 0) {
      o.putInt(opt, 0x0204_0000 | mssOption);
      opt += 4;
    }
    if (shiftOption >= 0) {
      o.putInt(opt, 0x0103_0300 | shiftOption);
    }
    if (dataLength > 0) {
      data.copyTo(dataOffset, dataLength, o, t + TCP_HEADER + optionsLen);
    }
    long sum =
        Checksum.add(o, t, tcpLen, Checksum.pseudoHeader(srcIp, dstIp, Packets.PROTO_TCP, tcpLen));
    o.putShort(t + 16, (short) Checksum.finish(sum));
    link.commit(frameLen);
    return true;
  }

  /** The MSS (536 when absent) and window shift (-1 when absent) options of a SYN. */
  static int[] readSynOptions(ByteBuffer b, int t, int dataOffset) {
    int guestMss = 536;
    int guestShift = -1;
    for (int o = t + TCP_HEADER; o < t + dataOffset; ) {
      int kind = b.get(o) & 0xff;
      if (kind == 0) {
        break;
      }
      if (kind == 1) {
        o++;
        continue;
      }
      if (o + 1 >= t + dataOffset) {
        break;
      }
      int optLen = b.get(o + 1) & 0xff;
      if (optLen < 2 || o + optLen > t + dataOffset) {
        break;
      }
      if (kind == 2 && optLen == 4) {
        guestMss = b.getShort(o + 2) & 0xffff;
      } else if (kind == 3 && optLen == 3) {
        guestShift = Math.min(14, b.get(o + 2) & 0xff);
      }
      o += optLen;
    }
    return new int[] {guestMss, guestShift};
  }
}
