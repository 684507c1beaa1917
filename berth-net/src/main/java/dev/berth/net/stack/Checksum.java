package dev.berth.net.stack;

import java.nio.ByteBuffer;

/** The Internet checksum (RFC 1071) over big-endian buffers, 64 bits at a time. */
public final class Checksum {

  private Checksum() {}

  /**
   * Adds the 16-bit words of {@code b[index, index+length)} to {@code acc}. Adding 32-bit halves
   * and folding later gives the same ones'-complement sum as adding 16-bit words.
   */
  public static long add(ByteBuffer b, int index, int length, long acc) {
    int i = index;
    int end = index + length;
    // Two independent sums keep the adds from waiting on each other: about twice the speed of one.
    long even = 0;
    long odd = 0;
    while (end - i >= 16) {
      long v = b.getLong(i);
      long w = b.getLong(i + 8);
      even += (v >>> 32) + (v & 0xffff_ffffL);
      odd += (w >>> 32) + (w & 0xffff_ffffL);
      i += 16;
    }
    acc += even + odd;
    if (end - i >= 8) {
      long v = b.getLong(i);
      acc += (v >>> 32) + (v & 0xffff_ffffL);
      i += 8;
    }
    if (end - i >= 4) {
      acc += b.getInt(i) & 0xffff_ffffL;
      i += 4;
    }
    if (end - i >= 2) {
      acc += b.getShort(i) & 0xffff;
      i += 2;
    }
    if (i < end) {
      acc += (b.get(i) & 0xff) << 8;
    }
    return acc;
  }

  /** The sum of the IPv4 pseudo-header that TCP and UDP checksums include. */
  public static long pseudoHeader(int srcIp, int dstIp, int protocol, int length) {
    return (srcIp >>> 16)
        + (srcIp & 0xffff)
        + (dstIp >>> 16)
        + (dstIp & 0xffff)
        + protocol
        + length;
  }

  /** The checksum field value for a running sum. */
  public static int finish(long acc) {
    while ((acc >>> 16) != 0) {
      acc = (acc & 0xffff) + (acc >>> 16);
    }
    return (int) (~acc & 0xffff);
  }

  /** Whether data including its checksum field sums to all ones. */
  public static boolean verifies(long accIncludingField) {
    return finish(accIncludingField) == 0;
  }
}
