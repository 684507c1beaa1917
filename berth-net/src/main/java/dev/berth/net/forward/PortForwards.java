package dev.berth.net.forward;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.log.LogRate;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.stack.Gateway;
import dev.berth.net.unix.UnixSockets;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host listeners carried into the virtual network, with gvproxy's semantics: one forward per
 * protocol and local address; {@code tcp} and {@code udp} listen on {@code [ip]:port}, {@code unix}
 * on a socket path and forward to {@code tcp://ip:port}. A local address without an IP listens on
 * 127.0.0.1 (gvproxy listens on every interface; ask for {@code 0.0.0.0:PORT} for that). A guest's
 * requests pass its {@link GuestForwardPolicy} first; a guest removes only the forwards a guest
 * made. Thread-safe.
 */
public final class PortForwards implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(PortForwards.class);

  private final EventLoop loop;
  private final Gateway gateway;
  private final ForwardListeners listeners;
  private final PortProbe probe;
  private final Map<String, Active> active = new LinkedHashMap<>();

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
    this.loop = loop;
    this.gateway = gateway;
    this.listeners = listeners;
    this.probe = probe;
  }

  /**
   * Whether a host service holds a port on some address ({@link HostPortProbe}; tests pass a fake).
   */
  @FunctionalInterface
  interface PortProbe {
    boolean held(String protocol, int port);
  }

  /**
   * Who made a forward: the host's user (any API on the host) or a guest (the gateway's forwarder).
   */
  public enum Origin {
    HOST,
    GUEST
  }

  private record Active(
      Forward forward,
      List<Closeable> handles,
      List<InetSocketAddress> addresses,
      Path socketPath,
      Origin origin) {}

  /** A forward asked for on the host, with gvproxy's semantics. */
  public synchronized void expose(String protocol, String local, String remote)
      throws ForwardException {
    String key = protocol + "/" + local;
    if (active.containsKey(key)) {
      throw new ForwardException("proxy already running for " + protocol + " on " + local);
    }
    Active a =
        switch (protocol) {
          case "tcp" -> exposeTcp(local, listenAddress(local), remote, Origin.HOST);
          case "udp" -> exposeUdp(local, listenAddress(local), remote, Origin.HOST);
          case "unix" -> exposeUnix(local, remote);
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
    InetSocketAddress target = guestAddress(remote);
    if (!target.getAddress().equals(caller)) {
      throw new ForwardException.Refused(
          "a guest forwards only to its own address "
              + caller.getHostAddress()
              + ", not "
              + target.getAddress().getHostAddress());
    }
    String key = protocol + "/" + local;
    synchronized (this) {
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
              ? exposeTcp(local, bindTo, remote, Origin.GUEST)
              : exposeUdp(local, bindTo, remote, Origin.GUEST));
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
    Active a = active.get(key);
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
    release(a);
    if (requester == Origin.GUEST) {
      guestLog.info(LOG, "stopped forwarding {} {} for the guest", protocol, local);
    } else {
      LOG.info("stopped forwarding {} {}", protocol, local);
    }
  }

  /** The forwards, sorted by local address and then protocol (as gvproxy lists them). */
  public synchronized List<Forward> all() {
    List<Forward> result = new ArrayList<>();
    for (Active a : active.values()) {
      result.add(a.forward());
    }
    result.sort(Comparator.comparing(Forward::local).thenComparing(Forward::protocol));
    return result;
  }

  /** The forwards guests asked for, in the order they were made. */
  public synchronized List<Forward> madeByGuests() {
    return active.values().stream()
        .filter(a -> a.origin() == Origin.GUEST)
        .map(Active::forward)
        .toList();
  }

  @Override
  public synchronized void close() {
    for (Active a : active.values()) {
      release(a);
    }
    active.clear();
  }

  private Active exposeTcp(String local, InetSocketAddress bindTo, String remote, Origin origin)
      throws ForwardException {
    Inet4Address guestIp = (Inet4Address) guestAddress(remote).getAddress();
    int guestPort = guestAddress(remote).getPort();
    return expose(
        new Forward(local, remote, "tcp"),
        bindTo,
        ForwardListeners.TCP,
        origin,
        b -> gateway.forwardTcp(b.channel(), guestIp, guestPort, b.peerAllowed()));
  }

  private Active exposeUdp(String local, InetSocketAddress bindTo, String remote, Origin origin)
      throws ForwardException {
    Inet4Address guestIp = (Inet4Address) guestAddress(remote).getAddress();
    int guestPort = guestAddress(remote).getPort();
    return expose(
        new Forward(local, remote, "udp"),
        bindTo,
        ForwardListeners.UDP,
        origin,
        b -> gateway.forwardUdp(b.channel(), guestIp, guestPort, b.peerAllowed()));
  }

  /** How a bound socket joins the network, on the event loop. */
  @FunctionalInterface
  private interface Attach<C extends NetworkChannel> {
    Closeable attach(ForwardListeners.Bound<C> bound) throws IOException;
  }

  private <C extends NetworkChannel> Active expose(
      Forward forward,
      InetSocketAddress bindTo,
      ForwardListeners.Opener<C> opener,
      Origin origin,
      Attach<C> attach)
      throws ForwardException {
    List<ForwardListeners.Bound<C>> bound = List.of();
    List<Closeable> handles = new ArrayList<>();
    try {
      bound = listeners.bind(bindTo, opener);
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (ForwardListeners.Bound<C> b : bound) {
        addresses.add((InetSocketAddress) b.channel().getLocalAddress());
        handles.add(loop.call(() -> attach.attach(b)));
      }
      return new Active(forward, handles, addresses, null, origin);
    } catch (IOException e) {
      release(forward.local(), handles, null);
      bound.forEach(b -> closeQuietly(b.channel()));
      throw listenFailed(
          forward.protocol(), bindTo.getAddress().getHostAddress() + ":" + bindTo.getPort(), e);
    }
  }

  private Active exposeUnix(String local, String remote) throws ForwardException {
    URI uri;
    try {
      uri = new URI(remote);
    } catch (URISyntaxException e) {
      throw new ForwardException(
          "failed to parse remote uri :" + remote + " : " + e.getMessage(), e);
    }
    if (!"tcp".equals(uri.getScheme())) {
      throw new ForwardException(
          "remote protocol for unix forwarder is not implemented: " + uri.getScheme());
    }
    InetSocketAddress guest = guestAddress(uri.getHost() + ":" + uri.getPort());
    Path path = Path.of(local);
    ServerSocketChannel server = null;
    try {
      server = UnixSockets.listenPrivate(path, ForwardListeners.BACKLOG);
      ServerSocketChannel s = server;
      Closeable handle =
          loop.call(
              () -> gateway.forwardTcp(s, (Inet4Address) guest.getAddress(), guest.getPort()));
      return new Active(
          new Forward(local, remote, "unix"), List.of(handle), List.of(), path, Origin.HOST);
    } catch (IOException e) {
      closeQuietly(server);
      throw listenFailed("unix", local, e);
    }
  }

  private void release(Active a) {
    release(a.forward().local(), a.handles(), a.socketPath());
  }

  private void release(String local, List<Closeable> handles, Path socketPath) {
    try {
      loop.call(
          () -> {
            for (Closeable handle : handles) {
              handle.close();
            }
            loop.releaseCancelled();
            return null;
          });
      if (socketPath != null) {
        Files.deleteIfExists(socketPath);
      }
    } catch (IOException e) {
      LOG.warn("closing the forward of {}: {}", local, e.toString());
    }
  }

  /** The host addresses a tcp or udp forward listens on (none for a unix forward). */
  public synchronized List<InetSocketAddress> listenAddresses(String protocol, String local)
      throws ForwardException {
    Active a = active.get(protocol + "/" + local);
    if (a == null) {
      throw new ForwardException("proxy not found");
    }
    return a.addresses();
  }

  /**
   * Go's message for a failed listen: {@code listen tcp 127.0.0.1:8080: bind: address already in
   * use}.
   */
  private static ForwardException listenFailed(String protocol, String address, IOException e) {
    String reason =
        e instanceof BindException && e.getMessage() != null
            ? "bind: " + e.getMessage().toLowerCase(java.util.Locale.ROOT)
            : String.valueOf(e.getMessage());
    return new ForwardException("listen " + protocol + " " + address + ": " + reason, e);
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

  /** The guest side, {@code ip:port} with an IPv4 address. */
  static InetSocketAddress guestAddress(String remote) throws ForwardException {
    HostPort hp = HostPort.parse(remote);
    try {
      return new InetSocketAddress(NetworkConfig.ipv4(hp.host()), hp.port());
    } catch (IllegalArgumentException e) {
      throw new ForwardException("invalid remote addr", e);
    }
  }

  private static void closeQuietly(NetworkChannel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        LOG.debug("closing a listener that failed", e);
      }
    }
  }
}
