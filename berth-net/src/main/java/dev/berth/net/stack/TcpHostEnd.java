package dev.berth.net.stack;

import java.nio.ByteBuffer;

/**
 * The host's end of a {@link TcpConnection}: where the guest's bytes go and the guest's come from.
 */
interface TcpHostEnd {

  /** The size of one buffer: the most bytes in flight each way. */
  int bufferBytes();

  /** Bytes the guest may send now: those of the room reserved for them. */
  int free();

  /**
   * The room to offer the guest now: reserves it first when none is (so that what the guest sends
   * within it finds a buffer), unless other connections wait for room.
   */
  int offer();

  /**
   * The guest wants room (it probed a closed window, or its bytes found none): {@link
   * TcpConnection#onRoom} once there is, since the guest only probes again at intervals that grow
   * to minutes.
   */
  void wantRoom();

  /**
   * This end holds room reserved for the guest's bytes, and a connection waits for some that no
   * other is giving up yet.
   */
  boolean roomWanted();

  /** The connection closes its window to give its room up ({@link #yieldRoom} next). */
  void closeRoom();

  /**
   * Gives up the room reserved for the guest's bytes once none of them are in it; false while some
   * still are.
   */
  boolean yieldRoom();

  /** Keeps the room after all ({@link #closeRoom} is over): the host does not take the bytes. */
  void keepRoom();

  /** Takes {@code n} of the guest's bytes, at most {@link #free}, for the host. */
  void deliver(ByteBuffer b, int index, int n);

  /** Writes the guest's bytes taken so far; may end the connection. */
  void flush();

  /** The guest sent FIN: the host's input ends once it has every byte. */
  void endInput();

  /** The host's input ended (after {@link #endInput}, every byte written). */
  boolean inputEnded();

  /** The host's bytes for the guest, oldest first; null while none are held. */
  ByteRing toGuest();

  /** The guest acknowledged the first {@code n} bytes of {@link #toGuest}. */
  void acknowledged(int n);

  /** The host sent all it will: no more bytes come after those in {@link #toGuest}. */
  boolean finished();

  /** The host's end accepted the connection: takes what it needs first; false when it cannot. */
  boolean prepared();

  /** The handshake with the guest completed: the host's bytes may flow. */
  void established();

  /** Lets the host's end go (once the connection no longer needs it); {@code reset}: abortively. */
  void close(boolean reset);
}
