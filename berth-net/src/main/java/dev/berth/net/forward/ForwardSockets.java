package dev.berth.net.forward;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.stack.Gateway;
import dev.berth.net.unix.UnixSockets;
import java.io.Closeable;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host sockets of forwards: binds them and joins them to the network on its event loop, and
 * releases them. Which forwards may exist is {@link PortForwards}' business.
 */
final class ForwardSockets {

  private static final Logger LOG = LoggerFactory.getLogger(ForwardSockets.class);

  private final EventLoop loop;
  private final Gateway gateway;
  private final ForwardListeners listeners;

  ForwardSockets(EventLoop loop, Gateway gateway, ForwardListeners listeners) {
    this.loop = loop;
    this.gateway = gateway;
    this.listeners = listeners;
  }

  /** A forward that listens: what it is, its sockets' handles and addresses, who made it. */
  record Active(
      Forward forward,
      List<Closeable> handles,
      List<InetSocketAddress> addresses,
      Path socketPath,
      PortForwards.Origin origin) {

    boolean listensOn(String protocol, int port) {
      return forward.protocol().equals(protocol)
          && addresses.stream().anyMatch(address -> address.getPort() == port);
    }
  }

  Active tcp(String local, InetSocketAddress bindTo, String remote, PortForwards.Origin origin)
      throws ForwardException {
    Inet4Address guestIp = (Inet4Address) guestAddress(remote).getAddress();
    int guestPort = guestAddress(remote).getPort();
    return expose(
        new Forward(local, remote, "tcp", origin.label()),
        bindTo,
        ForwardListeners.TCP,
        origin,
        b -> gateway.forwardTcp(b.channel(), guestIp, guestPort, b.peerAllowed()));
  }

  Active udp(String local, InetSocketAddress bindTo, String remote, PortForwards.Origin origin)
      throws ForwardException {
    Inet4Address guestIp = (Inet4Address) guestAddress(remote).getAddress();
    int guestPort = guestAddress(remote).getPort();
    return expose(
        new Forward(local, remote, "udp", origin.label()),
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
      PortForwards.Origin origin,
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

  Active unix(String local, String remote) throws ForwardException {
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
          new Forward(local, remote, "unix", PortForwards.Origin.HOST.label()),
          List.of(handle),
          List.of(),
          path,
          PortForwards.Origin.HOST);
    } catch (IOException e) {
      closeQuietly(server);
      throw listenFailed("unix", local, e);
    }
  }

  void release(Active a) {
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
