package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP state machine of one guest connection, terminated here, with no socket of its own:
 * segments from the guest come in with {@link #onSegment}, segments to it go out through {@link
 * TcpGuestEnd}, the bytes live on the {@link TcpHostEnd} side, and timers read the {@link Clock} on
 * {@link #onTick}. The window offered to the guest is the host side's free space; host bytes stay
 * there until the guest acknowledges them.
 *
 * <p>Past 400 lines on purpose: it is one state machine (RFC 793's event processing), whose every
 * transition reads and writes both directions' sequence numbers and the state together; split
 * further, each part would reach into the other's fields. What stands apart is already out: sending
 * and retransmission ({@link TcpSender}), the offered window ({@link ReceiveWindow}), the resets
 * for segments of no connection ({@link TcpResets}).
 */
final class TcpConnection {

  private static final Logger LOG = LoggerFactory.getLogger(TcpConnection.class);
  static final long CONNECT_TIMEOUT = TimeUnit.SECONDS.toNanos(30);

  /**
   * Shorter than RFC 793's 2 MSL: long enough to answer a retransmitted FIN, short enough not to
   * pile up.
   */
  static final long TIME_WAIT = TimeUnit.SECONDS.toNanos(5);

  /** CONNECTING and SYN_RCVD: the guest opened; SYN_SENT: the host side opened (a forward). */
  enum State {
    CONNECTING,
    SYN_RCVD,
    SYN_SENT,
    ESTABLISHED,
    TIME_WAIT,
    CLOSED
  }

  final FlowKey key;
  private final TcpHostEnd host;
  private final TcpGuestEnd guest;
  private final Clock clock;
  private final int maxSegment;
  State state = State.CONNECTING;
  private long deadline;
  private boolean halfOpen;
  private boolean released;

  // Guest to host.
  private int irs;
  private int rcvNxt;
  private final ReceiveWindow offered;
  private boolean guestFin;

  private final RoomYield room;

  /** Both ends scale their windows (RFC 7323). */
  private boolean scaling;

  private boolean needAck;

  // Host to guest.
  private int iss;
  private final TcpSender sender;

  /** In SYN-SENT, the SYN went again right after a RST for a stale connection's ACK (once only). */
  private boolean synResentAfterReset;

  /**
   * {@code guestIsn}, {@code guestMss}, {@code guestShift}: from the guest's SYN (shift -1: no
   * window scaling); {@code mtu}: the link's, which bounds the segments both ways.
   */
  TcpConnection(
      FlowKey key,
      TcpHostEnd host,
      TcpGuestEnd guest,
      Clock clock,
      int mtu,
      int guestIsn,
      int guestMss,
      int guestShift) {
    this.key = key;
    this.host = host;
    this.guest = guest;
    this.clock = clock;
    this.maxSegment = mtu - 40;
    this.irs = guestIsn;
    this.rcvNxt = guestIsn + 1;
    this.room = new RoomYield(host, clock.nanos());
    this.scaling = guestShift >= 0;
    this.offered = new ReceiveWindow(host.bufferBytes(), scaling);
    this.sender =
        new TcpSender(
            host,
            guest,
            clock,
            this::transmit,
            Math.max(64, Math.min(guestMss, maxSegment)),
            scaling ? guestShift : 0);
  }

  /**
   * The guest sent a SYN and the host is being dialled: SYN-ACK once it answers, RST if it refuses.
   */
  void startPassiveOpen() {
    halfOpen = true;
    deadline = clock.nanos() + CONNECT_TIMEOUT;
  }

  /** The host accepted the connection the guest asked for. */
  void onHostConnected() {
    state = State.SYN_RCVD;
    if (!host.prepared()) {
      abort(true);
      return;
    }
    iss = ThreadLocalRandom.current().nextInt();
    sendSynAck();
    sender.open(iss);
  }

  /** The host refused the connection the guest asked for: the guest gets a RST. */
  void onHostRefused(IOException e) {
    LOG.debug("{}: host refused: {}", key, e.toString());
    leaveHalfOpen();
    state = State.CLOSED;
    guest.send(TcpSegment.toGuest(key).ack(irs + 1).flags(TCP_RST | TCP_ACK));
    discard();
  }

  /**
   * The host's end is connected already (an inbound forward): SYN now; its bytes flow once the
   * guest answered.
   */
  void startActiveOpen() {
    state = State.SYN_SENT;
    iss = ThreadLocalRandom.current().nextInt();
    sendSyn();
    sender.open(iss);
  }

  private void sendSyn() {
    guest.send(
        TcpSegment.toGuest(key)
            .seq(iss)
            .flags(TCP_SYN)
            .window(handshakeWindow())
            .synOptions(maxSegment, offered.shift()));
  }

  private void sendSynAck() {
    guest.send(
        TcpSegment.toGuest(key)
            .seq(iss)
            .ack(rcvNxt)
            .flags(TCP_SYN | TCP_ACK)
            .window(handshakeWindow())
            .synOptions(maxSegment, scaling ? offered.shift() : -1));
  }

  /** The window of a segment with SYN: never scaled (RFC 7323). */
  private int handshakeWindow() {
    return Math.min(host.offer(), 0xffff);
  }

  private void onSynAck(ByteBuffer b, int t, int dataOffset, int seq, int ack, int window) {
    if (ack != iss + 1) {
      return;
    }
    int[] options = TcpSegment.readSynOptions(b, t, dataOffset);
    irs = seq;
    rcvNxt = seq + 1;
    scaling = options[1] >= 0;
    if (!scaling) {
      offered.unscaled();
    }
    sender.negotiated(Math.max(64, Math.min(options[0], maxSegment)), scaling ? options[1] : 0);
    state = State.ESTABLISHED;
    // RFC 7323: the window in a segment with SYN is never scaled.
    sender.established(ack, window);
    offered.advertisedInHandshake(rcvNxt, host.free());
    host.established();
    room.onRoom(clock.nanos());
    scheduleAck();
  }

  private void leaveHalfOpen() {
    if (halfOpen) {
      halfOpen = false;
      guest.leftHalfOpen();
    }
  }

  boolean isFinished() {
    return state == State.TIME_WAIT;
  }

  boolean isClosed() {
    return state == State.CLOSED;
  }

  /** One segment from the guest: the TCP header at {@code t}, {@code len} bytes with the data. */
  void onSegment(ByteBuffer b, int t, int len, int dataOffset, int flags) {
    if (state == State.CONNECTING || state == State.CLOSED) {
      return;
    }
    int seq = b.getInt(t + 4);
    int ack = b.getInt(t + 8);
    int window = b.getShort(t + 14) & 0xffff;
    int dataLen = len - dataOffset;
    if (state == State.SYN_SENT) {
      onSegmentInSynSent(b, t, dataOffset, flags, seq, ack, window);
      return;
    }
    if ((flags & TCP_RST) != 0) {
      int offset = seq - rcvNxt;
      if (offset >= 0 && offset <= Math.max(host.free(), 1)) {
        if (guestFin && sender.finAcked()) {
          // Both sides sent all they had, each acknowledged, and the guest's socket is gone (a
          // segment reached it after its close). What the guest sent is ours to deliver: the flow
          // ends as it would have, once the host has it.
          LOG.debug("{}: guest reset after both FINs; the host still gets everything", key);
          return;
        }
        LOG.debug("{}: guest reset the connection", key);
        abort(false);
      }
      return;
    }
    if ((flags & TCP_SYN) != 0) {
      if (state == State.SYN_RCVD && seq == irs) {
        sendSynAck();
      } else {
        scheduleAck();
      }
      return;
    }
    if ((flags & TCP_ACK) == 0) {
      return;
    }
    if (state == State.SYN_RCVD) {
      if (ack != iss + 1) {
        return;
      }
      state = State.ESTABLISHED;
      leaveHalfOpen();
      sender.established(ack, sender.scaled(window));
      offered.advertisedInHandshake(rcvNxt, host.free());
      host.established();
      room.onRoom(clock.nanos());
    } else if (sender.onAck(ack, window, dataLen)) {
      scheduleAck();
    }
    if (state == State.CLOSED) {
      return;
    }
    if (dataLen > 0 || (flags & TCP_FIN) != 0) {
      processData(b, t + dataOffset, dataLen, seq, (flags & TCP_FIN) != 0);
    } else if (seq - rcvNxt < 0) {
      // An old sequence number without data: a zero-window probe or a keepalive, which asks for our
      // window as it is now (RFC 793, 3.9). The window update it replaces may have been lost.
      if (offered.closed(rcvNxt)) {
        room.guestWantsRoom();
      }
      scheduleAck();
    }
    maybeFinish();
  }

  private void onSegmentInSynSent(
      ByteBuffer b, int t, int dataOffset, int flags, int seq, int ack, int window) {
    if ((flags & TCP_RST) != 0) {
      if ((flags & TCP_ACK) != 0 && ack == iss + 1) {
        LOG.debug("{}: guest refused", key);
        abort(false);
      }
    } else if ((flags & TCP_ACK) != 0 && ack != iss + 1) {
      // RFC 793: an ACK of something never sent gets a RST. It comes from a guest that still holds
      // the connection these ports carried before (its last ACK lost, or in TIME-WAIT and the SYN
      // not acceptable to it). The RST ends that, and the SYN goes again at once to open the new
      // one (once: should the guest answer it the same way, the retransmission timer paces it).
      guest.send(TcpSegment.toGuest(key).seq(ack).flags(TCP_RST));
      if (!synResentAfterReset) {
        synResentAfterReset = true;
        sendSyn();
      }
    } else if ((flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
      onSynAck(b, t, dataOffset, seq, ack, window);
    }
  }

  private void processData(ByteBuffer b, int index, int len, int seq, boolean fin) {
    scheduleAck();
    if (guestFin || state != State.ESTABLISHED) {
      return;
    }
    int already = rcvNxt - seq;
    if (already < 0 || already > len) {
      // Out of order or wholly old: the duplicate ACK tells the guest where we are.
      return;
    }
    int fresh = len - already;
    int accept = Math.min(fresh, host.free());
    if (accept < fresh) {
      room.guestWantsRoom();
    }
    if (accept > 0) {
      host.deliver(b, index + already, accept);
      rcvNxt += accept;
      room.onGuestBytes(clock.nanos());
    }
    if (fin && accept == fresh) {
      rcvNxt++;
      guestFin = true;
      host.endInput();
    }
  }

  /** The host side has room again (reserved after a wait): the guest hears of the window. */
  void onRoom() {
    room.onRoom(clock.nanos());
    scheduleAck();
  }

  /**
   * The host took some of the guest's bytes: the window may have reopened, the connection may be
   * done.
   */
  void onHostWrote() {
    // After the guest's FIN there is nothing left for it to send: no window updates (a guest that
    // has closed answers them with a reset).
    if (!guestFin && offered.worthAnUpdate(rcvNxt, host.free(), sender.mss())) {
      scheduleAck();
    }
    maybeFinish();
  }

  /** The host has bytes for the guest, or said it has no more. */
  void onHostRead() {
    guest.schedule();
  }

  private void scheduleAck() {
    needAck = true;
    guest.schedule();
  }

  /** One segment with the current acknowledgement and window; false when the output is full. */
  private boolean transmit(int seq, int flags, ByteRing data, int offset, int length) {
    int w = room.closing() ? 0 : offered.field(host.offer());
    if (!guest.send(
        TcpSegment.toGuest(key)
            .seq(seq)
            .ack(rcvNxt)
            .flags(flags)
            .window(w)
            .data(data, offset, length))) {
      return false;
    }
    if (w == 0) {
      room.closedWindowSent(clock.nanos());
    } else if (offered.closed(rcvNxt)) {
      // The window opens again (room taken without a wait): a new turn with it.
      room.onRoom(clock.nanos());
    }
    offered.advertised(rcvNxt, w);
    needAck = false;
    return true;
  }

  /** Sends what the window allows, a FIN when the host is done, and a pending ACK. */
  void pump() {
    if (state != State.ESTABLISHED && state != State.TIME_WAIT) {
      return;
    }
    host.flush();
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.ESTABLISHED && !sender.send(guestFin)) {
      guest.blocked();
      return;
    }
    if (needAck && !transmit(sender.seqWithoutData(), TCP_ACK, null, 0, 0)) {
      guest.blocked();
    }
  }

  /** Runs the timers due at {@code now}: connect timeout, TIME-WAIT, retransmission. */
  void onTick(long now) {
    switch (state) {
      case CONNECTING -> {
        if (now - deadline >= 0) {
          host.close(false);
          onHostRefused(new IOException("connect timed out"));
        }
      }
      case TIME_WAIT -> {
        if (now - deadline >= 0) {
          discard();
        }
      }
      case SYN_RCVD, SYN_SENT, ESTABLISHED -> {
        if (state == State.ESTABLISHED && room.onTick(now)) {
          scheduleAck();
        }
        if (sender.timerDue(now)) {
          onRetransmitTimeout(now);
        }
      }
      default -> {}
    }
  }

  private void onRetransmitTimeout(long now) {
    TcpSender.Timeout timeout =
        sender.onTimeout(now, state == State.SYN_RCVD || state == State.SYN_SENT);
    if (timeout == TcpSender.Timeout.GIVE_UP) {
      LOG.debug("{}: guest stopped acknowledging", key);
      abort(true);
    } else if (timeout == TcpSender.Timeout.RESEND_HANDSHAKE) {
      if (state == State.SYN_RCVD) {
        sendSynAck();
      } else {
        sendSyn();
      }
    }
  }

  private void maybeFinish() {
    if (state == State.ESTABLISHED && guestFin && host.inputEnded() && sender.finAcked()) {
      releaseHost(false);
      if (sender.closedFirst()) {
        state = State.TIME_WAIT;
        deadline = clock.nanos() + TIME_WAIT;
      } else {
        discard();
      }
    }
  }

  /**
   * Ends the connection at once. {@code resetGuest}: send the guest a RST; otherwise reset the
   * host's end.
   */
  void abort(boolean resetGuest) {
    if (state == State.CLOSED) {
      return;
    }
    leaveHalfOpen();
    if (resetGuest
        && state != State.CONNECTING
        && state != State.SYN_SENT
        && state != State.TIME_WAIT) {
      guest.send(
          TcpSegment.toGuest(key)
              .seq(sender.seqWithoutData())
              .ack(rcvNxt)
              .flags(TCP_RST | TCP_ACK));
    }
    releaseHost(!resetGuest);
    discard();
  }

  private void releaseHost(boolean reset) {
    host.close(reset);
    if (!released) {
      released = true;
      guest.released();
    }
  }

  /** Forgets the connection, whatever its state. */
  void discard() {
    leaveHalfOpen();
    state = State.CLOSED;
    releaseHost(false);
    guest.closed();
  }
}
