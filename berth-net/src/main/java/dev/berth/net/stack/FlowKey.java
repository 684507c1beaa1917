package dev.berth.net.stack;

/**
 * A flow's addresses as the guest sees them. Mutable so that one probe instance serves every
 * lookup; keys stored in a map are copies and never change.
 */
final class FlowKey {
  int guestIp;
  int guestPort;
  int remoteIp;
  int remotePort;

  FlowKey set(int gIp, int gPort, int rIp, int rPort) {
    guestIp = gIp;
    guestPort = gPort;
    remoteIp = rIp;
    remotePort = rPort;
    return this;
  }

  FlowKey copy() {
    return new FlowKey().set(guestIp, guestPort, remoteIp, remotePort);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FlowKey k
        && k.guestIp == guestIp
        && k.guestPort == guestPort
        && k.remoteIp == remoteIp
        && k.remotePort == remotePort;
  }

  @Override
  public int hashCode() {
    int h = guestIp * 31 + remoteIp;
    h = h * 31 + (guestPort << 16 | remotePort);
    return h ^ (h >>> 16);
  }

  @Override
  public String toString() {
    return Packets.ipToString(guestIp)
        + ":"
        + guestPort
        + " -> "
        + Packets.ipToString(remoteIp)
        + ":"
        + remotePort;
  }
}
