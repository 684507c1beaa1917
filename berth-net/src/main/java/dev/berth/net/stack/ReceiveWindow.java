package dev.berth.net.stack;

/**
 * The window a {@link TcpConnection} offers the guest: the host side's free space, scaled by the
 * connection's shift, and the right edge last advertised, which decides when a reopened window is
 * worth telling the guest about.
 */
final class ReceiveWindow {

  private final int bufferBytes;
  private int shift;
  private int advertisedEdge;

  /**
   * {@code scaling}: the guest offered window scaling; the shift is then the least that fits a
   * buffer.
   */
  ReceiveWindow(int bufferBytes, boolean scaling) {
    this.bufferBytes = bufferBytes;
    int s = 0;
    while (scaling && (bufferBytes >> s) > 0xffff) {
      s++;
    }
    this.shift = s;
  }

  int shift() {
    return shift;
  }

  /** The guest does not scale windows after all (its SYN-ACK did not offer it). */
  void unscaled() {
    shift = 0;
  }

  /** The window field that offers {@code free} bytes. */
  int field(int free) {
    return Math.min(free >> shift, 0xffff);
  }

  /** A segment acknowledging up to {@code rcvNxt} with window field {@code field} went out. */
  void advertised(int rcvNxt, int field) {
    advertisedEdge = rcvNxt + (field << shift);
  }

  /** The window last advertised is closed: the guest may send nothing beyond {@code rcvNxt}. */
  boolean closed(int rcvNxt) {
    return advertisedEdge - rcvNxt <= 0;
  }

  /** The handshake offered {@code free} bytes, unscaled as in every segment with SYN (RFC 7323). */
  void advertisedInHandshake(int rcvNxt, int free) {
    advertisedEdge = rcvNxt + Math.min(free, 0xffff);
  }

  /**
   * Whether the guest should hear that the window reopened to {@code free} bytes (RFC 1122 receiver
   * SWS avoidance): at once when what it may still send is small, otherwise once the opening is
   * worth an extra segment of {@code mss} bytes.
   */
  boolean worthAnUpdate(int rcvNxt, int free, int mss) {
    int newEdge = rcvNxt + (free >> shift << shift);
    int stillOpen = advertisedEdge - rcvNxt;
    return newEdge - advertisedEdge >= Math.min(bufferBytes / 2, Math.max(mss, stillOpen));
  }
}
