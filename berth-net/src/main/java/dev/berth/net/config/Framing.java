package dev.berth.net.config;

import java.nio.ByteBuffer;

/** How Ethernet frames are delimited on a stream socket. */
public enum Framing {
  /**
   * QEMU's {@code -netdev stream} and {@code -netdev socket}: 4-byte big-endian length, then the
   * frame.
   */
  QEMU(4),
  /**
   * gvproxy's {@code /connect}, stdio and vpnkit transports: 2-byte little-endian length, then the
   * frame.
   */
  LENGTH16_LE(2);

  private final int headerBytes;

  Framing(int headerBytes) {
    this.headerBytes = headerBytes;
  }

  public int headerBytes() {
    return headerBytes;
  }

  /** The length in the header at {@code index}; negative when the header cannot be a length. */
  public long readLength(ByteBuffer b, int index) {
    return this == QEMU ? b.getInt(index) : Short.reverseBytes(b.getShort(index)) & 0xffff;
  }

  public void writeLength(ByteBuffer b, int index, int length) {
    if (this == QEMU) {
      b.putInt(index, length);
    } else {
      b.putShort(index, Short.reverseBytes((short) length));
    }
  }

  /** The largest frame this framing can carry. */
  public int maxFrame() {
    return this == QEMU ? Integer.MAX_VALUE : 0xffff;
  }
}
