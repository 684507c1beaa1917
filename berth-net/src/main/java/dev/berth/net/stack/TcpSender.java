package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_PSH;

import java.util.concurrent.TimeUnit;

/**
 * The sending half of a {@link TcpConnection}: the host's bytes to the guest as its window allows,
 * the FIN after them, what the guest acknowledges, and the retransmission timer (which the
 * handshake uses too). The bytes stay in the host side's ring until acknowledged.
 */
final class TcpSender {

  static final long RTO_MIN = TimeUnit.MILLISECONDS.toNanos(200);
  static final long RTO_MAX = TimeUnit.SECONDS.toNanos(10);
  static final int MAX_RETRIES = 12;

  /**
   * As Linux's tcp_synack_retries: a handshake the guest does not complete ends after about 6 s.
   */
  static final int MAX_SYNACK_RETRIES = 5;

  /**
   * Sends one segment with the connection's acknowledgement and window; false when the output is
   * full.
   */
  interface Output {
    boolean transmit(int seq, int flags, ByteRing data, int offset, int length);
  }

  /** What a retransmission timeout asks of the connection. */
  enum Timeout {
    GIVE_UP,
    RESEND_HANDSHAKE,
    HANDLED
  }

  private final TcpHostEnd host;
  private final TcpGuestEnd guest;
  private final Clock clock;
  private final Output output;
  private int sndUna;
  private long sndWnd;
  private int guestShift;
  private int mss;
  private int sentOffset;

  /**
   * The highest {@link #sentOffset} since the last acknowledgement: what the guest may acknowledge
   * after a go-back.
   */
  private int sentMax;

  /** A FIN went out at some point (it may have to be sent again after a go-back). */
  private boolean finEverSent;

  private boolean finSent;
  private boolean finAcked;

  /** The FIN went before the guest's: the connection waits in TIME-WAIT at the end. */
  private boolean closedFirst;

  private long rtoDeadline;
  private long rto = RTO_MIN;
  private int retries;
  private int dupAcks;

  TcpSender(
      TcpHostEnd host, TcpGuestEnd guest, Clock clock, Output output, int mss, int guestShift) {
    this.host = host;
    this.guest = guest;
    this.clock = clock;
    this.output = output;
    this.mss = mss;
    this.guestShift = guestShift;
  }

  /**
   * The first sequence number, {@code iss}, is on its way (in a SYN or SYN-ACK): the timer runs.
   */
  void open(int iss) {
    sndUna = iss;
    rtoDeadline = clock.nanos() + rto;
  }

  /** The guest acknowledged the SYN with {@code ack} and offers {@code window} (already scaled). */
  void established(int ack, long window) {
    sndUna = ack;
    sndWnd = window;
    rtoDeadline = 0;
    retries = 0;
    rto = RTO_MIN;
  }

  /** The guest's options, as its SYN-ACK gave them. */
  void negotiated(int guestMss, int shift) {
    mss = guestMss;
    guestShift = shift;
  }

  /** The guest's window field as bytes: scaled as it asked in its SYN. */
  long scaled(int window) {
    return (long) window << guestShift;
  }

  /** The largest segment the guest takes. */
  int mss() {
    return mss;
  }

  boolean finAcked() {
    return finAcked;
  }

  boolean closedFirst() {
    return closedFirst;
  }

  /**
   * An acknowledgement from the guest; true when it acknowledges more than was sent (it wants an
   * ACK).
   */
  boolean onAck(int ack, int window, int dataLen) {
    long wnd = scaled(window);
    int acknowledgeable = sentMax + (finEverSent ? 1 : 0);
    int acked = ack - sndUna;
    if (acked > 0 && acked <= acknowledgeable) {
      if (finEverSent && acked == acknowledgeable) {
        finAcked = true;
        finSent = true;
        host.acknowledged(sentMax);
        sentOffset = 0;
        sentMax = 0;
      } else {
        host.acknowledged(acked);
        sentOffset = Math.max(0, sentOffset - acked);
        sentMax -= acked;
      }
      sndUna = ack;
      sndWnd = wnd;
      dupAcks = 0;
      retries = 0;
      rto = RTO_MIN;
      rtoDeadline = sentMax > 0 || (finEverSent && !finAcked) ? clock.nanos() + rto : 0;
      guest.schedule();
    } else if (acked == 0) {
      retries = 0;
      if (wnd != sndWnd) {
        sndWnd = wnd;
        dupAcks = 0;
        guest.schedule();
      } else if (dataLen == 0 && sentOffset > 0 && ++dupAcks == 3) {
        output.transmit(sndUna, TCP_ACK, host.toGuest(), 0, Math.min(mss, sentOffset));
      }
    } else {
      return acked > acknowledgeable;
    }
    return false;
  }

  /**
   * Data, then a FIN once the host is done ({@code guestFin}: the guest's came first); false when
   * the output was full.
   */
  boolean send(boolean guestFin) {
    ByteRing ring = host.toGuest();
    int size = ring == null ? 0 : ring.size();
    while (size > sentOffset) {
      int unsent = size - sentOffset;
      long usable = sndWnd - sentOffset;
      if (usable <= 0) {
        break;
      }
      int n = (int) Math.min(Math.min(unsent, mss), usable);
      if (n < unsent && n < mss && sentOffset > 0) {
        break;
      }
      if (!sendData(ring, sentOffset, n, size)) {
        return false;
      }
      sentOffset += n;
      sentMax = Math.max(sentMax, sentOffset);
      startTimer();
    }
    if (host.finished() && !finSent && size == sentOffset) {
      if (!output.transmit(sndUna + sentOffset, TCP_FIN | TCP_ACK, null, 0, 0)) {
        return false;
      }
      finSent = true;
      finEverSent = true;
      closedFirst |= !guestFin;
      startTimer();
    }
    if (sndWnd == 0 && size > 0 && sentOffset == 0) {
      startTimer();
    }
    return true;
  }

  private boolean sendData(ByteRing ring, int offset, int n, int size) {
    return output.transmit(
        sndUna + offset, TCP_ACK | (offset + n == size ? TCP_PSH : 0), ring, offset, n);
  }

  private void startTimer() {
    if (rtoDeadline == 0) {
      rtoDeadline = clock.nanos() + rto;
    }
  }

  /**
   * The sequence number of a segment without data: the next one to send, counting a FIN only until
   * it is acknowledged, but not past the guest's window (as Linux's tcp_acceptable_seq). A guest
   * with a closed window drops a segment beyond it, window update included (RFC 793, 3.3), and a
   * probe byte or an acknowledged FIN would put the number there.
   */
  int seqWithoutData() {
    int next = sentOffset + (finSent && !finAcked ? 1 : 0);
    return sndUna + (int) Math.min(next, sndWnd);
  }

  boolean timerDue(long now) {
    return rtoDeadline != 0 && now - rtoDeadline >= 0;
  }

  /**
   * The retransmission timer went off; {@code handshake}: the SYN or SYN-ACK is what was not
   * acknowledged.
   */
  Timeout onTimeout(long now, boolean handshake) {
    if (++retries > (handshake ? MAX_SYNACK_RETRIES : MAX_RETRIES)) {
      return Timeout.GIVE_UP;
    }
    rto = Math.min(rto * 2, RTO_MAX);
    rtoDeadline = now + rto;
    if (handshake) {
      return Timeout.RESEND_HANDSHAKE;
    }
    ByteRing ring = host.toGuest();
    if (sndWnd == 0 && ring != null && ring.size() > 0) {
      // Zero-window probe: one byte past the window, so the guest answers with its current window.
      // Every timeout sends one, also after an earlier probe (then sentMax > 0, and going back
      // would send nothing into the closed window): a guest need not announce that its window
      // opened, and a connection without probes would stall until the retries run out.
      if (sendData(ring, 0, 1, ring.size())) {
        sentOffset = 1;
        sentMax = Math.max(sentMax, 1);
      }
    } else if (sentMax > 0 || (finEverSent && !finAcked)) {
      // Go back: resend from the oldest unacknowledged byte.
      sentOffset = 0;
      finSent = false;
      dupAcks = 0;
      guest.schedule();
    } else {
      rtoDeadline = 0;
    }
    return Timeout.HANDLED;
  }
}
