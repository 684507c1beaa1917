package dev.berth.net.stack;

/**
 * One guest TCP connection as the NAT keeps it: its {@link TcpConnection}, its {@link
 * HostSocketPump}, and the link and MAC address its segments go to.
 */
final class TcpFlow implements TcpGuestEnd {

  private final TcpNat nat;
  final StreamLink link;
  private final long guestMac;
  final HostSocketPump pump;
  TcpConnection connection;

  /** The guest opened it and it holds a host socket: counted against {@code tcpMaxFlows}. */
  private boolean counted;

  boolean scheduled;
  boolean waiting;

  TcpFlow(TcpNat nat, StreamLink link, long guestMac, HostSocketPump pump) {
    this.nat = nat;
    this.link = link;
    this.guestMac = guestMac;
    this.pump = pump;
  }

  /** Counts the flow as one the guest opened, and as half-open until its handshake completes. */
  void countAsGuestOpened() {
    counted = true;
    nat.guestFlows++;
    nat.halfOpen++;
  }

  FlowKey key() {
    return connection.key;
  }

  @Override
  public boolean send(TcpSegment segment) {
    return nat.write(link, guestMac, segment);
  }

  @Override
  public void schedule() {
    nat.schedule(this);
  }

  @Override
  public void blocked() {
    if (!waiting) {
      waiting = true;
      link.waiting.add(this);
    }
  }

  @Override
  public void leftHalfOpen() {
    nat.halfOpen--;
  }

  @Override
  public void released() {
    if (counted) {
      counted = false;
      nat.guestFlows--;
    }
  }

  @Override
  public void closed() {
    nat.remove(this);
  }
}
