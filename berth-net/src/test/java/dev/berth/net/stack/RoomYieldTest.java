package dev.berth.net.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** When a connection gives its room up, on a clock the test moves. */
class RoomYieldTest {

  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  private final Host host = new Host();
  private final RoomYield room = new RoomYield(host, 0);

  @Test
  void aQuietGuestKeepsItsRoomWhileNoneWaits() {
    assertThat(room.onTick(10_000 * MS)).isFalse();
    assertThat(room.closing()).isFalse();
    assertThat(host.closed).isFalse();
  }

  @Test
  void aGuestQuietForASecondWhileOneWaitsClosesItsWindowAndGivesTheRoomUpAfterItWentOut() {
    host.wanted = true;
    room.onGuestBytes(500 * MS);
    assertThat(room.onTick(1_400 * MS)).isFalse();
    assertThat(room.onTick(1_500 * MS)).isTrue();
    assertThat(room.closing()).isTrue();
    assertThat(host.closed).isTrue();
    // The closed window could not go out at once (a full output): the wait starts when it does.
    assertThat(room.onTick(2_500 * MS)).isFalse();
    assertThat(host.yielded).isFalse();
    room.closedWindowSent(2_600 * MS);
    room.onTick(3_000 * MS);
    assertThat(host.yielded).isFalse();
    room.onTick(3_100 * MS);
    assertThat(host.yielded).isTrue();
    assertThat(room.closing()).isFalse();
    assertThat(host.wantedAgain).isZero();
  }

  @Test
  void aGuestThatKeepsSendingHoldsItsRoomForATurnWhileOthersWait() {
    host.wanted = true;
    for (long t = 0; t < 5_000; t += 100) {
      room.onGuestBytes(t * MS);
      assertThat(room.onTick(t * MS)).isFalse();
    }
    room.onGuestBytes(5_000 * MS);
    assertThat(room.onTick(5_000 * MS)).isTrue();
  }

  @Test
  void roomGivenAfterAWaitStartsANewTurn() {
    host.wanted = true;
    room.onRoom(4_000 * MS);
    assertThat(room.onTick(4_500 * MS)).isFalse();
    assertThat(room.onTick(5_000 * MS)).isTrue();
  }

  @Test
  void aGuestAskingWhileItsWindowClosesWaitsInLineOnceTheRoomIsGiven() {
    host.wanted = true;
    assertThat(room.onTick(1_000 * MS)).isTrue();
    room.closedWindowSent(1_000 * MS);
    room.guestWantsRoom();
    assertThat(host.wantedAgain).isZero();
    // The guest hears its window as it is then: room again at once when none is left waiting.
    assertThat(room.onTick(1_500 * MS)).isTrue();
    assertThat(host.yielded).isTrue();
    assertThat(host.wantedAgain).isEqualTo(1);
  }

  @Test
  void theRoomStaysWhileTheGuestsBytesAreInItAndTheWindowStaysClosed() {
    host.wanted = true;
    host.bytesHeld = true;
    room.onTick(1_000 * MS);
    room.closedWindowSent(1_000 * MS);
    room.onTick(1_500 * MS);
    assertThat(room.closing()).isTrue();
    host.bytesHeld = false;
    room.onTick(1_520 * MS);
    assertThat(room.closing()).isFalse();
    assertThat(host.yielded).isTrue();
  }

  @Test
  void roomWhoseBytesTheHostDoesNotTakeIsKeptAndTheWindowOpensAgain() {
    host.wanted = true;
    host.bytesHeld = true;
    room.onTick(1_000 * MS);
    room.closedWindowSent(1_000 * MS);
    assertThat(room.onTick(3_980 * MS)).isFalse();
    assertThat(room.closing()).isTrue();
    assertThat(room.onTick(4_000 * MS)).isTrue();
    assertThat(room.closing()).isFalse();
    assertThat(host.kept).isTrue();
    assertThat(host.yielded).isFalse();
  }

  @Test
  void aGuestAskingForRoomWithNoWindowClosingGetsInLine() {
    room.guestWantsRoom();
    assertThat(host.wantedAgain).isEqualTo(1);
  }

  /** The room side of a host end; the rest is not used. */
  private static final class Host implements TcpHostEnd {
    boolean wanted;
    boolean closed;
    boolean bytesHeld;
    boolean yielded;
    boolean kept;
    int wantedAgain;

    @Override
    public boolean roomWanted() {
      return wanted && !closed;
    }

    @Override
    public void closeRoom() {
      closed = true;
    }

    @Override
    public boolean yieldRoom() {
      if (bytesHeld) {
        return false;
      }
      yielded = true;
      return true;
    }

    @Override
    public void wantRoom() {
      wantedAgain++;
    }

    @Override
    public void keepRoom() {
      closed = false;
      kept = true;
    }

    @Override
    public int offer() {
      return 0;
    }

    @Override
    public int bufferBytes() {
      return 0;
    }

    @Override
    public int free() {
      return 0;
    }

    @Override
    public void deliver(ByteBuffer b, int index, int n) {}

    @Override
    public void flush() {}

    @Override
    public void endInput() {}

    @Override
    public boolean inputEnded() {
      return false;
    }

    @Override
    public ByteRing toGuest() {
      return null;
    }

    @Override
    public void acknowledged(int n) {}

    @Override
    public boolean finished() {
      return false;
    }

    @Override
    public boolean prepared() {
      return true;
    }

    @Override
    public void established() {}

    @Override
    public void close(boolean reset) {}
  }
}
