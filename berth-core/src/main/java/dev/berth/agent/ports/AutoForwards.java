package dev.berth.agent.ports;

import dev.berth.net.forward.PortForwards;
import dev.berth.net.log.LogRate;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the automatic forwards in step with the guest's listening sockets: a port that appears is
 * offered to the network once, a port that vanishes loses its forward. Only ports the host can
 * reach through the guest's address count: a socket bound to the wildcard address or to the guest's
 * address, not one on the guest's loopback or on a container bridge. The guest's own services are
 * left out (SSH, the DHCP clients), and so are ports below 1024 unless the machine publishes
 * privileged ports. Not thread-safe: one reporter feeds it.
 */
final class AutoForwards {
  private static final Logger LOG = LoggerFactory.getLogger(AutoForwards.class);

  /** The most automatic forwards a machine holds at once. */
  static final int MAX_FORWARDS = 256;

  private static final int PRIVILEGED_BELOW = 1024;

  /** Where the forwards are made: berth-net's {@link PortForwards}, or a fake. */
  interface Target {
    PortForwards.AutoOutcome add(String protocol, int port);

    void remove(String protocol, int port);
  }

  /** A guest port, by protocol. */
  record Port(String protocol, int port) {}

  private static final Comparator<Port> ORDER =
      Comparator.comparing(Port::protocol).thenComparingInt(Port::port);

  private static final Set<Port> GUEST_SERVICES =
      Set.of(new Port("tcp", 22), new Port("udp", 68), new Port("udp", 546));

  private final Target target;
  private final Inet4Address guestIp;
  private final boolean privilegedPorts;
  private final LogRate skips = new LogRate();
  private Set<Port> listening = Set.of();
  private final Set<Port> forwarded = new HashSet<>();

  AutoForwards(Target target, Inet4Address guestIp, boolean privilegedPorts) {
    this.target = target;
    this.guestIp = guestIp;
    this.privilegedPorts = privilegedPorts;
  }

  /** The guest's listening sockets now: forwards follow. */
  void update(Set<ListeningSocket> sockets) {
    Set<Port> now = new TreeSet<>(ORDER);
    for (ListeningSocket socket : sockets) {
      Port port = new Port(socket.protocol(), socket.port());
      if (reachable(socket.address()) && forwardable(port)) {
        now.add(port);
      }
    }
    for (Port gone : listening) {
      if (!now.contains(gone) && forwarded.remove(gone)) {
        target.remove(gone.protocol(), gone.port());
      }
    }
    for (Port port : now) {
      if (!listening.contains(port)) {
        offer(port);
      }
    }
    listening = now;
  }

  /** Removes every automatic forward: the reporter is gone for good. */
  void clear() {
    for (Port port : forwarded) {
      target.remove(port.protocol(), port.port());
    }
    forwarded.clear();
    listening = Set.of();
  }

  private void offer(Port port) {
    if (forwarded.size() >= MAX_FORWARDS) {
      skips.warn(
          LOG,
          "not forwarding {} port {}: the machine already has {} automatic forwards, the most it"
              + " may",
          port.protocol(),
          port.port(),
          MAX_FORWARDS);
      return;
    }
    switch (target.add(port.protocol(), port.port())) {
      case FORWARDED -> forwarded.add(port);
      case HOST_PORT_TAKEN ->
          skips.info(
              LOG,
              "not forwarding {} port {} that the machine listens on: a program on the host holds"
                  + " that port",
              port.protocol(),
              port.port());
      case FORWARDED_ALREADY ->
          LOG.debug("{} port {} is forwarded already", port.protocol(), port.port());
      case RESERVED -> LOG.debug("{} port {} serves the host alone", port.protocol(), port.port());
    }
  }

  private boolean reachable(InetAddress address) {
    return address.isAnyLocalAddress() || address.equals(guestIp);
  }

  private boolean forwardable(Port port) {
    return !GUEST_SERVICES.contains(port) && (privilegedPorts || port.port() >= PRIVILEGED_BELOW);
  }
}
