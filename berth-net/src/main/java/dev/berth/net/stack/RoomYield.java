package dev.berth.net.stack;

import java.util.concurrent.TimeUnit;

/**
 * When a {@link TcpConnection} gives the room reserved for its guest's bytes to a connection
 * waiting for some: once its guest has sent nothing for {@link #IDLE}, or has held the room for
 * {@link #TURN} while others wait. It closes its window first and gives the room up {@link
 * #CLOSING} after the closed window went out, so that bytes the guest sent before it heard still
 * find room; the close shrinks the window, which RFC 9293 asks a sender to meet. A guest that asks
 * for room meanwhile waits for it again at once, behind those already waiting. Room whose bytes the
 * host does not take within {@link #GIVE_UP} of the close is kept, and the window opens again.
 */
final class RoomYield {

  static final long IDLE = TimeUnit.SECONDS.toNanos(1);
  static final long TURN = TimeUnit.SECONDS.toNanos(5);
  static final long CLOSING = TimeUnit.MILLISECONDS.toNanos(500);
  static final long GIVE_UP = TimeUnit.SECONDS.toNanos(3);

  private final TcpHostEnd host;
  private long lastActive;
  private long turnSince;
  private boolean closing;
  private boolean closedSent;
  private long closedSince;
  private boolean askedWhileClosing;

  RoomYield(TcpHostEnd host, long now) {
    this.host = host;
    this.lastActive = now;
    this.turnSince = now;
  }

  /** The guest's bytes found room. */
  void onGuestBytes(long now) {
    lastActive = now;
  }

  /** The connection has room from now: established, or woken after a wait. */
  void onRoom(long now) {
    lastActive = now;
    turnSince = now;
  }

  /** The window offered is closed, whatever room there is. */
  boolean closing() {
    return closing;
  }

  /** A segment offering no window went out. */
  void closedWindowSent(long now) {
    if (closing && !closedSent) {
      closedSent = true;
      closedSince = now;
    }
  }

  /** The guest wants room: it probed a window it last saw closed, or its bytes found none. */
  void guestWantsRoom() {
    if (closing) {
      askedWhileClosing = true;
    } else {
      host.wantRoom();
    }
  }

  /** Moves the yield on at {@code now}; true when the guest must hear its window as it is now. */
  boolean onTick(long now) {
    if (!closing) {
      if (host.roomWanted() && (now - lastActive >= IDLE || now - turnSince >= TURN)) {
        closing = true;
        closedSent = false;
        askedWhileClosing = false;
        host.closeRoom();
        return true;
      }
      return false;
    }
    if (!closedSent || now - closedSince < CLOSING) {
      return false;
    }
    if (host.yieldRoom()) {
      closing = false;
      if (askedWhileClosing) {
        // In line again; or, with none left waiting, the room is taken back at once and offered.
        host.wantRoom();
        return true;
      }
      return false;
    }
    if (now - closedSince >= GIVE_UP) {
      closing = false;
      host.keepRoom();
      onRoom(now);
      return true;
    }
    return false;
  }
}
