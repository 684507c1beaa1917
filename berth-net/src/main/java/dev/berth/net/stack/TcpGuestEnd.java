package dev.berth.net.stack;

/**
 * The guest's end of a {@link TcpConnection}: the link its segments go over and the NAT that keeps
 * the connection.
 */
interface TcpGuestEnd {

  /** Sends {@code segment}; false when the link's output is full. */
  boolean send(TcpSegment segment);

  /** Asks for a {@link TcpConnection#pump} at the end of this loop iteration. */
  void schedule();

  /** The output was full: {@link TcpConnection#pump} again once it has room. */
  void blocked();

  /** The connection is no longer half-open (established or gone). */
  void leftHalfOpen();

  /** The connection holds the host's end no longer (in TIME-WAIT or closed). */
  void released();

  /** The connection is closed: forget it. */
  void closed();
}
