package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;

import java.nio.ByteBuffer;

/**
 * What {@link TcpNat} reads from and answers to a guest segment before any connection holds it: a
 * SYN's options, and the resets for a refused SYN or a segment of no connection.
 */
final class TcpResets {
  private TcpResets() {}

  /** RFC 793's reset for a segment that belongs to no connection. */
  static TcpSegment forStray(
      int src, int srcPort, int dst, int dstPort, ByteBuffer b, int t, int dataLen, int flags) {
    if ((flags & TCP_ACK) != 0) {
      return TcpSegment.between(dst, dstPort, src, srcPort).seq(b.getInt(t + 8)).flags(TCP_RST);
    }
    int seqLen = dataLen + ((flags & TCP_SYN) != 0 ? 1 : 0) + ((flags & TCP_FIN) != 0 ? 1 : 0);
    return TcpSegment.between(dst, dstPort, src, srcPort)
        .ack(b.getInt(t + 4) + seqLen)
        .flags(TCP_RST | TCP_ACK);
  }

  /** Answers a guest's SYN with a RST. */
  static TcpSegment forRefusedSyn(int src, int srcPort, int dst, int dstPort, int seq) {
    return TcpSegment.between(dst, dstPort, src, srcPort).ack(seq + 1).flags(TCP_RST | TCP_ACK);
  }
}
