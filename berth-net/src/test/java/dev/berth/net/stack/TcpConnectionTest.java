package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_HEADER;
import static dev.berth.net.stack.Packets.TCP_PSH;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The TCP state machine on its own: segments from the guest go in as bytes, the segments it sends
 * are recorded, the host's end is a fake that holds bytes in memory, and the clock is moved by the
 * test.
 */
class TcpConnectionTest {

  private static final int MTU = 1500;
  private static final int BUFFER = 16 * 1024;
  private static final int GUEST_ISN = 1000;

  private long now = 1_000_000_000L;
  private final FakeHost host = new FakeHost();
  private final FakeGuest guest = new FakeGuest();
  private final FlowKey key = new FlowKey().set(0x0a00_0002, 40000, 0x0a00_0001, 80);
  private TcpConnection connection;

  /** The next sequence number the guest sends, and what it acknowledges. */
  private int guestSeq;

  private int guestAck;

  /** A segment the connection sent, its data copied out of the ring at once. */
  private record Sent(int seq, int ack, int flags, int window, int mss, int shift, String text) {
    int length() {
      return text.length();
    }
  }

  private final class FakeGuest implements TcpGuestEnd {
    final List<Sent> sent = new ArrayList<>();
    boolean scheduled;
    boolean full;
    int blocked;
    int leftHalfOpen;
    int released;
    boolean closed;

    @Override
    public boolean send(TcpSegment s) {
      if (full) {
        return false;
      }
      byte[] data = new byte[s.dataLength];
      if (s.dataLength > 0) {
        s.data.copyTo(s.dataOffset, s.dataLength, ByteBuffer.wrap(data), 0);
      }
      sent.add(
          new Sent(
              s.seq,
              s.ack,
              s.flags,
              s.window,
              s.mssOption,
              s.shiftOption,
              new String(data, StandardCharsets.US_ASCII)));
      return true;
    }

    @Override
    public void schedule() {
      scheduled = true;
    }

    @Override
    public void blocked() {
      blocked++;
    }

    @Override
    public void leftHalfOpen() {
      leftHalfOpen++;
    }

    @Override
    public void released() {
      released++;
    }

    @Override
    public void closed() {
      closed = true;
    }
  }

  private final class FakeHost implements TcpHostEnd {
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    final ByteBuffer pending = ByteBuffer.allocate(BUFFER);
    final ByteRing ring = new ByteRing(ByteBuffer.allocate(BUFFER));

    /** Whether the host takes the guest's bytes when they are flushed. */
    boolean takes = true;

    boolean inputEnding;
    boolean inputEnded;
    boolean finished;
    boolean established;
    Boolean closedWithReset;

    @Override
    public int bufferBytes() {
      return BUFFER;
    }

    @Override
    public int free() {
      return pending.remaining();
    }

    @Override
    public void deliver(ByteBuffer b, int index, int n) {
      pending.put(pending.position(), b, index, n);
      pending.position(pending.position() + n);
    }

    @Override
    public int offer() {
      return free();
    }

    @Override
    public void wantRoom() {}

    @Override
    public boolean roomWanted() {
      return false;
    }

    @Override
    public void closeRoom() {}

    @Override
    public void keepRoom() {}

    @Override
    public boolean yieldRoom() {
      return true;
    }

    @Override
    public void flush() {
      if (!takes || pending.position() == 0) {
        return;
      }
      written.write(pending.array(), 0, pending.position());
      pending.clear();
      inputEnded |= inputEnding;
      connection.onHostWrote();
    }

    @Override
    public void endInput() {
      inputEnding = true;
      inputEnded = pending.position() == 0;
    }

    @Override
    public boolean inputEnded() {
      return inputEnded;
    }

    @Override
    public ByteRing toGuest() {
      return ring.size() == 0 ? null : ring;
    }

    @Override
    public void acknowledged(int n) {
      ring.consume(n);
    }

    @Override
    public boolean finished() {
      return finished;
    }

    @Override
    public boolean prepared() {
      return true;
    }

    @Override
    public void established() {
      established = true;
    }

    @Override
    public void close(boolean reset) {
      if (closedWithReset == null) {
        closedWithReset = reset;
      }
    }

    /** The host sends {@code text} towards the guest. */
    void sends(String text) {
      byte[] b = text.getBytes(StandardCharsets.US_ASCII);
      ring.write(ByteBuffer.wrap(b), 0, b.length);
      connection.onHostRead();
      endOfIteration();
    }

    void closes() {
      finished = true;
      connection.onHostRead();
      endOfIteration();
    }
  }

  /** What the loop does at the end of an iteration: the connection sends if it asked to. */
  private void endOfIteration() {
    if (guest.scheduled) {
      guest.scheduled = false;
      connection.pump();
    }
  }

  private void advance(long nanos) {
    long end = now + nanos;
    while (now < end) {
      now = Math.min(end, now + EventLoop.TICK.toNanos());
      connection.onTick(now);
      endOfIteration();
    }
  }

  /** A segment from the guest, as it would arrive: header (and SYN options) then data. */
  private void fromGuest(int flags, int window, String text) {
    byte[] data = text.getBytes(StandardCharsets.US_ASCII);
    byte[] options =
        (flags & TCP_SYN) != 0 ? new byte[] {2, 4, 0x05, (byte) 0xb4, 1, 3, 3, 7} : new byte[0];
    int dataOffset = TCP_HEADER + options.length;
    ByteBuffer b = ByteBuffer.allocate(dataOffset + data.length);
    b.putShort(0, (short) key.guestPort).putShort(2, (short) key.remotePort);
    b.putInt(4, guestSeq).putInt(8, guestAck);
    b.putShort(12, (short) ((dataOffset / 4) << 12 | flags)).putShort(14, (short) window);
    b.put(TCP_HEADER, options).put(dataOffset, data);
    connection.onSegment(b, 0, b.capacity(), dataOffset, flags);
    guestSeq += data.length + ((flags & (TCP_SYN | TCP_FIN)) != 0 ? 1 : 0);
    endOfIteration();
  }

  private Sent last() {
    return guest.sent.get(guest.sent.size() - 1);
  }

  /** The guest opened: its SYN, the host accepts, the SYN-ACK, the guest's ACK. */
  private Sent established() {
    connection = new TcpConnection(key, host, guest, () -> now, MTU, GUEST_ISN, 1460, 7);
    connection.startPassiveOpen();
    connection.onHostConnected();
    Sent synAck = last();
    guestSeq = GUEST_ISN + 1;
    guestAck = synAck.seq() + 1;
    fromGuest(TCP_ACK, 65535, "");
    return synAck;
  }

  @Test
  void theHandshakeOffersTheMssAndWindowScaleAndEstablishesOnTheGuestsAck() {
    Sent synAck = established();
    assertThat(synAck.flags()).isEqualTo(TCP_SYN | TCP_ACK);
    assertThat(synAck.ack()).isEqualTo(GUEST_ISN + 1);
    assertThat(synAck.mss()).isEqualTo(MTU - 40);
    assertThat(synAck.shift()).isZero();
    assertThat(synAck.window()).isEqualTo(BUFFER);
    assertThat(connection.state).isEqualTo(TcpConnection.State.ESTABLISHED);
    assertThat(guest.leftHalfOpen).isEqualTo(1);
    assertThat(host.established).isTrue();
  }

  @Test
  void aRefusedHostConnectionIsAResetToTheGuest() {
    connection = new TcpConnection(key, host, guest, () -> now, MTU, GUEST_ISN, 1460, 7);
    connection.startPassiveOpen();
    connection.onHostRefused(new java.io.IOException("refused"));
    assertThat(last().flags()).isEqualTo(TCP_RST | TCP_ACK);
    assertThat(last().ack()).isEqualTo(GUEST_ISN + 1);
    assertThat(guest.closed).isTrue();
    assertThat(guest.leftHalfOpen).isEqualTo(1);
  }

  @Test
  void anUnansweredSynAckIsSentAgainThenTheHandshakeGivesUp() {
    connection = new TcpConnection(key, host, guest, () -> now, MTU, GUEST_ISN, 1460, 7);
    connection.startPassiveOpen();
    connection.onHostConnected();
    advance(TcpSender.RTO_MIN);
    assertThat(guest.sent).hasSize(2);
    assertThat(guest.sent.get(1)).isEqualTo(guest.sent.get(0));
    advance(60_000_000_000L);
    assertThat(guest.sent.stream().filter(s -> s.flags() == (TCP_SYN | TCP_ACK)))
        .hasSize(1 + TcpSender.MAX_SYNACK_RETRIES);
    assertThat(last().flags()).isEqualTo(TCP_RST | TCP_ACK);
    assertThat(guest.closed).isTrue();
    assertThat(host.closedWithReset).isFalse();
  }

  @Test
  void dataFlowsBothWaysAndIsAcknowledged() {
    Sent synAck = established();
    fromGuest(TCP_PSH | TCP_ACK, 65535, "from the guest");
    assertThat(host.written.toString(StandardCharsets.US_ASCII)).isEqualTo("from the guest");
    assertThat(last().ack()).isEqualTo(guestSeq);
    assertThat(last().window()).isEqualTo(BUFFER);

    host.sends("from the host");
    Sent data = last();
    assertThat(data.text()).isEqualTo("from the host");
    assertThat(data.seq()).isEqualTo(synAck.seq() + 1);
    assertThat(data.flags()).isEqualTo(TCP_ACK | TCP_PSH);
    guestAck = data.seq() + data.length();
    fromGuest(TCP_ACK, 65535, "");
    assertThat(host.ring.size()).isZero();
  }

  @Test
  void theWindowOfferedIsWhatTheHostHasNotTakenYet() {
    established();
    host.takes = false;
    fromGuest(TCP_PSH | TCP_ACK, 65535, "0123456789");
    assertThat(last().window()).isEqualTo(BUFFER - 10);
    host.takes = true;
    host.flush();
    endOfIteration();
    assertThat(host.written.toString(StandardCharsets.US_ASCII)).isEqualTo("0123456789");
  }

  @Test
  void theGuestsFinThenTheHostsEndsTheConnectionWithoutTimeWait() {
    established();
    fromGuest(TCP_FIN | TCP_ACK, 65535, "");
    assertThat(host.inputEnded()).isTrue();
    assertThat(last().ack()).isEqualTo(guestSeq);
    host.closes();
    Sent fin = last();
    assertThat(fin.flags()).isEqualTo(TCP_FIN | TCP_ACK);
    guestAck = fin.seq() + 1;
    fromGuest(TCP_ACK, 65535, "");
    assertThat(connection.state).isEqualTo(TcpConnection.State.CLOSED);
    assertThat(guest.closed).isTrue();
    assertThat(guest.released).isEqualTo(1);
  }

  @Test
  void theHostsFinThenTheGuestsLeavesTheConnectionInTimeWaitForAWhile() {
    established();
    host.closes();
    Sent fin = last();
    assertThat(fin.flags()).isEqualTo(TCP_FIN | TCP_ACK);
    guestAck = fin.seq() + 1;
    fromGuest(TCP_FIN | TCP_ACK, 65535, "");
    assertThat(connection.isFinished()).isTrue();
    assertThat(guest.released).isEqualTo(1);
    assertThat(guest.closed).isFalse();
    advance(TcpConnection.TIME_WAIT - EventLoop.TICK.toNanos());
    assertThat(guest.closed).isFalse();
    advance(EventLoop.TICK.toNanos());
    assertThat(guest.closed).isTrue();
  }

  @Test
  void aResetFromTheGuestResetsTheHost() {
    established();
    fromGuest(TCP_RST, 0, "");
    assertThat(connection.isClosed()).isTrue();
    assertThat(host.closedWithReset).isTrue();
    assertThat(guest.closed).isTrue();
  }

  @Test
  void aResetOutsideTheWindowIsIgnored() {
    established();
    guestSeq += 10 * BUFFER;
    fromGuest(TCP_RST, 0, "");
    assertThat(connection.isClosed()).isFalse();
  }

  @Test
  void unacknowledgedDataIsSentAgainWithBackoffThenTheConnectionIsReset() {
    established();
    host.sends("lost");
    Sent first = last();
    advance(TcpSender.RTO_MIN - EventLoop.TICK.toNanos());
    assertThat(guest.sent).hasSize(2);
    advance(EventLoop.TICK.toNanos());
    assertThat(guest.sent).hasSize(3);
    assertThat(last()).isEqualTo(first);
    // The next timeout is twice as long.
    advance(2 * TcpSender.RTO_MIN - EventLoop.TICK.toNanos());
    assertThat(guest.sent).hasSize(3);
    advance(EventLoop.TICK.toNanos());
    assertThat(guest.sent).hasSize(4);
    advance(600_000_000_000L);
    assertThat(last().flags()).isEqualTo(TCP_RST | TCP_ACK);
    assertThat(guest.closed).isTrue();
    assertThat(guest.sent.stream().filter(s -> s.text().equals("lost")))
        .hasSize(1 + TcpSender.MAX_RETRIES);
  }

  @Test
  void aClosedGuestWindowIsProbedAndTheDataGoesWhenItOpens() {
    established();
    fromGuest(TCP_ACK, 0, "");
    host.sends("held back");
    assertThat(guest.sent.stream().filter(s -> s.length() > 0)).isEmpty();
    advance(TcpSender.RTO_MIN);
    Sent probe = last();
    assertThat(probe.text()).isEqualTo("h");
    // The probe's byte is in flight: the rest follows it.
    fromGuest(TCP_ACK, 65535, "");
    assertThat(last().text()).isEqualTo("eld back");
    assertThat(last().seq()).isEqualTo(probe.seq() + 1);
  }

  @Test
  void aFullOutputMakesTheConnectionWaitForRoom() {
    established();
    guest.full = true;
    host.sends("later");
    assertThat(guest.blocked).isEqualTo(1);
    guest.full = false;
    connection.pump();
    assertThat(last().text()).isEqualTo("later");
  }

  @Test
  void aForwardedConnectionSendsSynAndEstablishesOnTheGuestsSynAck() {
    connection = new TcpConnection(key, host, guest, () -> now, MTU, 0, 536, 0);
    connection.startActiveOpen();
    Sent syn = last();
    assertThat(syn.flags()).isEqualTo(TCP_SYN);
    guestSeq = 5000;
    guestAck = syn.seq() + 1;
    fromGuest(TCP_SYN | TCP_ACK, 65535, "");
    assertThat(connection.state).isEqualTo(TcpConnection.State.ESTABLISHED);
    assertThat(last().flags()).isEqualTo(TCP_ACK);
    assertThat(last().ack()).isEqualTo(5001);
    host.sends("hello guest");
    assertThat(last().text()).isEqualTo("hello guest");
  }
}
