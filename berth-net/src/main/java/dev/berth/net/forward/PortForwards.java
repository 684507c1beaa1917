package dev.berth.net.forward;

import dev.berth.net.log.LogRate;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.stack.Gateway;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host listeners carried into the virtual network, with gvproxy's semantics: one forward per
 * protocol and local address; {@code tcp} and {@code udp} listen on {@code [ip]:port}, {@code unix}
 * on a socket path and forward to {@code tcp://ip:port}. A local address without an IP listens on
 * 127.0.0.1 (gvproxy listens on every interface; ask for {@code 0.0.0.0:PORT} for that). A guest's
 * requests pass its {@link GuestForwardPolicy} first; a guest removes only the forwards a guest
 * made. An automatic forward ({@link #exposeAuto}, a port a guest program listens on) never takes a
 * port another forward or a host program holds, and yields to any later forward of its port. A
 * guest port {@linkplain #reserveGuestPorts reserved} for the host is the target of no forward a
 * guest asks for and of no automatic one. Thread-safe.
 */
public final class PortForwards implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PortForwards.class);

  private final ForwardSockets sockets;
  private final PortProbe probe;
  private final Map<String, ForwardSockets.Active> active = new LinkedHashMap<>();
  private final Set<Integer> reservedGuestPorts = new HashSet<>();

  /** A guest can make and remove forwards in a loop: its lines are rate-limited. */
  private final LogRate guestLog = new LogRate();

  /**
   * Forwards into {@code gateway}'s network; {@code privilegedPortsOnWildcard}: loopback forwards
   * of ports below 1024 listen on the wildcard address for loopback peers only (the host is macOS).
   */
  public PortForwards(EventLoop loop, Gateway gateway, boolean privilegedPortsOnWildcard) {
    this(loop, gateway, new ForwardListeners(privilegedPortsOnWildcard), HostPortProbe::held);
  }

  PortForwards(EventLoop loop, Gateway gateway, ForwardListeners listeners, PortProbe probe) {
    this.sockets = new ForwardSockets(loop, gateway, listeners);
    this.probe = probe;
  }

  /**
   * Whether a host service holds a port on some address ({@link HostPortProbe}; tests pass a fake).
   */
  @FunctionalInterface
  interface PortProbe {
    boolean held(String protocol, int port);
  }

  /** Who made a forward; {@link #label()} names it in lists. */
  public enum Origin {
    /** The host's user, through an API on the host. */
    HOST("host"),
    /** The host, for the machine's SSH port. */
    SSH("ssh"),
    /** A guest, through the gateway's forwarder: podman's {@code -p} in the machine. */
    GUEST("podman"),
    /** The host, because a program in the guest listens on the port ({@link #exposeAuto}). */
    AUTO("auto");

    private final String label;

    Origin(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** What became of a guest port offered to {@link #exposeAuto}. */
  public enum AutoOutcome {
    /** Forwarded from the same port on the host's loopback. */
    FORWARDED,
    /** Another forward already listens on that host port (podman's {@code -p}, the SSH port). */
    FORWARDED_ALREADY,
    /** A host program holds the port on some address: not forwarded. */
    HOST_PORT_TAKEN,
    /** The guest port is reserved for the host ({@link #reserveGuestPorts}): not forwarded. */
    RESERVED
  }

  /**
   * Reserves guest TCP ports for the host's own forwards: a service the guest offers the host alone
   * there (podman's API) must not be reachable through a forward that the guest, or a container in
   * it, can make.
   */
  public synchronized void reserveGuestPorts(Collection<Integer> ports) {
    reservedGuestPorts.addAll(ports);
  }

  /** A forward asked for on the host, with gvproxy's semantics. */
  public void expose(String protocol, String local, String remote) throws ForwardException {
    expose(protocol, local, remote, Origin.HOST);
  }

  /**
   * A forward the host makes, {@link Origin#HOST} or {@link Origin#SSH}; an automatic forward of
   * the same port yields to it.
   */
  public synchronized void expose(String protocol, String local, String remote, Origin origin)
      throws ForwardException {
    if (origin != Origin.HOST && origin != Origin.SSH) {
      throw new IllegalArgumentException(
          "the host makes forwards of host or ssh origin: " + origin);
    }
    String key = protocol + "/" + local;
    if (!protocol.equals("unix")) {
      yieldAuto(protocol, listenAddress(local).getPort());
    }
    if (active.containsKey(key)) {
      throw new ForwardException("proxy already running for " + protocol + " on " + local);
    }
    ForwardSockets.Active a =
        switch (protocol) {
          case "tcp" -> sockets.tcp(local, listenAddress(local), remote, origin);
          case "udp" -> sockets.udp(local, listenAddress(local), remote, origin);
          case "unix" -> sockets.unix(local, remote);
          default -> throw new ForwardException("unknown protocol " + protocol);
        };
    active.put(key, a);
    LOG.info("forwarding {} {} to {}", protocol, local, remote);
  }

  /**
   * A forward asked for by the guest at {@code caller}: allowed by {@code policy}, to the caller's
   * own address, and on no port that a host service or another forward already holds on any
   * address. The probe of the host's ports runs outside the lock (it may take a while); what it
   * found is checked again under the lock.
   */
  public void exposeForGuest(
      GuestForwardPolicy policy, String protocol, String local, String remote, InetAddress caller)
      throws ForwardException {
    InetSocketAddress bindTo = policy.listenAddress(protocol, local);
    InetSocketAddress target = ForwardSockets.guestAddress(remote);
    if (!target.getAddress().equals(caller)) {
      throw new ForwardException.Refused(
          "a guest forwards only to its own address "
              + caller.getHostAddress()
              + ", not "
              + target.getAddress().getHostAddress());
    }
    if (protocol.equals("tcp") && isReserved(target.getPort())) {
      throw new ForwardException.Refused(
          "port "
              + target.getPort()
              + " of the machine serves the host alone; a guest cannot forward to it");
    }
    String key = protocol + "/" + local;
    synchronized (this) {
      // podman's -p keeps precedence: the automatic forward of its port goes before the probe
      yieldAuto(protocol, bindTo.getPort());
      checkGuestMayAdd(policy, protocol, local, key);
    }
    if (probe.held(protocol, bindTo.getPort())) {
      throw new ForwardException.Refused(
          "listen "
              + protocol
              + " "
              + local
              + ": port "
              + bindTo.getPort()
              + " is already in use on the host (on some address); publish another port");
    }
    synchronized (this) {
      checkGuestMayAdd(policy, protocol, local, key);
      active.put(
          key,
          protocol.equals("tcp")
              ? sockets.tcp(local, bindTo, remote, Origin.GUEST)
              : sockets.udp(local, bindTo, remote, Origin.GUEST));
    }
    guestLog.info(LOG, "forwarding {} {} to {} for the guest", protocol, local, remote);
  }

  private void checkGuestMayAdd(
      GuestForwardPolicy policy, String protocol, String local, String key)
      throws ForwardException {
    if (active.containsKey(key)) {
      throw new ForwardException("proxy already running for " + protocol + " on " + local);
    }
    long guestForwards = active.values().stream().filter(a -> a.origin() == Origin.GUEST).count();
    if (guestForwards >= policy.maxForwards()) {
      throw new ForwardException.Refused(
          "this machine already publishes "
              + guestForwards
              + " ports, the most it may ("
              + policy.maxForwards()
              + ")");
    }
  }

  /**
   * Forwards {@code port} on the host's loopback to the same port at {@code guestIp}, where a
   * program in the guest listens, unless a forward or a host program already holds the port there.
   * Any other forward of the port later takes it over.
   */
  public AutoOutcome exposeAuto(String protocol, int port, Inet4Address guestIp) {
    if (!protocol.equals("tcp") && !protocol.equals("udp")) {
      throw new IllegalArgumentException("only tcp and udp ports are forwarded: " + protocol);
    }
    synchronized (this) {
      if (protocol.equals("tcp") && reservedGuestPorts.contains(port)) {
        return AutoOutcome.RESERVED;
      }
      if (holdsPort(protocol, port)) {
        return AutoOutcome.FORWARDED_ALREADY;
      }
    }
    if (probe.held(protocol, port)) {
      return AutoOutcome.HOST_PORT_TAKEN;
    }
    String local = "127.0.0.1:" + port;
    String remote = guestIp.getHostAddress() + ":" + port;
    InetSocketAddress bindTo = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    synchronized (this) {
      if (holdsPort(protocol, port)) {
        return AutoOutcome.FORWARDED_ALREADY;
      }
      try {
        active.put(
            protocol + "/" + local,
            protocol.equals("tcp")
                ? sockets.tcp(local, bindTo, remote, Origin.AUTO)
                : sockets.udp(local, bindTo, remote, Origin.AUTO));
      } catch (ForwardException e) {
        // a host program bound the port after the probe
        return AutoOutcome.HOST_PORT_TAKEN;
      }
    }
    guestLog.info(LOG, "forwarding {} {} to {}: the guest listens there", protocol, local, remote);
    return AutoOutcome.FORWARDED;
  }

  /** Removes the automatic forward of {@code port}, if there is one; no other forward. */
  public synchronized void unexposeAuto(String protocol, int port) {
    if (yieldAuto(protocol, port)) {
      guestLog.info(
          LOG, "stopped forwarding {} port {}: the guest no longer listens", protocol, port);
    }
  }

  /** Releases the automatic forward of {@code port}; true if there was one. */
  private boolean yieldAuto(String protocol, int port) {
    var entries = active.entrySet().iterator();
    boolean released = false;
    while (entries.hasNext()) {
      ForwardSockets.Active a = entries.next().getValue();
      if (a.origin() == Origin.AUTO && a.listensOn(protocol, port)) {
        entries.remove();
        sockets.release(a);
        released = true;
      }
    }
    return released;
  }

  private synchronized boolean isReserved(int guestPort) {
    return reservedGuestPorts.contains(guestPort);
  }

  private boolean holdsPort(String protocol, int port) {
    return active.values().stream().anyMatch(a -> a.listensOn(protocol, port));
  }

  /** Removes a forward asked for on the host: any forward. */
  public synchronized void unexpose(String protocol, String local) throws ForwardException {
    remove(protocol, local, Origin.HOST);
  }

  /** Removes a forward asked for by a guest: only one that a guest made. */
  public synchronized void unexposeForGuest(String protocol, String local) throws ForwardException {
    remove(protocol, local, Origin.GUEST);
  }

  private void remove(String protocol, String local, Origin requester) throws ForwardException {
    String key = protocol + "/" + local;
    ForwardSockets.Active a = active.get(key);
    if (a == null) {
      throw new ForwardException("proxy not found");
    }
    if (requester == Origin.GUEST && a.origin() != Origin.GUEST) {
      throw new ForwardException.Refused(
          "the forward of "
              + protocol
              + " "
              + local
              + " was made on the host; a guest removes only the forwards it made");
    }
    active.remove(key);
    sockets.release(a);
    if (requester == Origin.GUEST) {
      guestLog.info(LOG, "stopped forwarding {} {} for the guest", protocol, local);
    } else {
      LOG.info("stopped forwarding {} {}", protocol, local);
    }
  }

  /** The forwards, sorted by local address and then protocol (as gvproxy lists them). */
  public synchronized List<Forward> all() {
    List<Forward> result = new ArrayList<>();
    for (ForwardSockets.Active a : active.values()) {
      result.add(a.forward());
    }
    result.sort(Comparator.comparing(Forward::local).thenComparing(Forward::protocol));
    return result;
  }

  /** The forwards guests asked for, in the order they were made. */
  public synchronized List<Forward> madeByGuests() {
    return active.values().stream()
        .filter(a -> a.origin() == Origin.GUEST)
        .map(ForwardSockets.Active::forward)
        .toList();
  }

  @Override
  public synchronized void close() {
    for (ForwardSockets.Active a : active.values()) {
      sockets.release(a);
    }
    active.clear();
  }

  /** The host addresses a tcp or udp forward listens on (none for a unix forward). */
  public synchronized List<InetSocketAddress> listenAddresses(String protocol, String local)
      throws ForwardException {
    ForwardSockets.Active a = active.get(protocol + "/" + local);
    if (a == null) {
      throw new ForwardException("proxy not found");
    }
    return a.addresses();
  }

  /** {@code [ip]:port}; an empty IP listens on loopback. */
  static InetSocketAddress listenAddress(String local) throws ForwardException {
    HostPort hp = HostPort.parse(local);
    try {
      InetAddress ip =
          hp.host().isEmpty() ? InetAddress.getLoopbackAddress() : InetAddress.getByName(hp.host());
      return new InetSocketAddress(ip, hp.port());
    } catch (UnknownHostException e) {
      throw new ForwardException("listen address " + local + ": unknown host " + hp.host(), e);
    }
  }
}
