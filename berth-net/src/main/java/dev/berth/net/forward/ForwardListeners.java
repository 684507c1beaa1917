package dev.berth.net.forward;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host sockets of one tcp or udp forward. A forward on 127.0.0.1 also listens on {@code [::1]}
 * where it can (clients that resolve {@code localhost} to ::1 first would be refused otherwise);
 * that second socket is best effort. Where ordinary users may bind ports below 1024 only on the
 * wildcard address (macOS), a loopback forward of such a port listens on {@code 0.0.0.0} and serves
 * loopback peers only, closing any other at once: the service never reaches the network.
 */
final class ForwardListeners {

  private static final Logger LOG = LoggerFactory.getLogger(ForwardListeners.class);
  static final int BACKLOG = 1024;
  static final int PRIVILEGED_BELOW = 1024;
  private static final InetAddress IPV6_LOOPBACK = ipv6Loopback();

  /** Every peer: a listener bound to the address the user asked for. */
  static final Predicate<InetSocketAddress> ANY_PEER = peer -> true;

  /** Loopback peers only: a listener on the wildcard address standing in for loopback. */
  static final Predicate<InetSocketAddress> LOOPBACK_PEERS =
      peer -> peer.getAddress() != null && peer.getAddress().isLoopbackAddress();

  private final boolean privilegedPortsOnWildcard;
  private final int privilegedBelow;

  /**
   * @param privilegedPortsOnWildcard whether a loopback forward of a port below 1024 listens on the
   *     wildcard address, for loopback peers only (the host is macOS)
   */
  ForwardListeners(boolean privilegedPortsOnWildcard) {
    this(privilegedPortsOnWildcard, PRIVILEGED_BELOW);
  }

  /**
   * As {@link #ForwardListeners(boolean)} with the privileged ports below {@code privilegedBelow}
   * (tests).
   */
  ForwardListeners(boolean privilegedPortsOnWildcard, int privilegedBelow) {
    this.privilegedPortsOnWildcard = privilegedPortsOnWildcard;
    this.privilegedBelow = privilegedBelow;
  }

  /** A bound host socket and who may use it. */
  record Bound<C extends NetworkChannel>(C channel, Predicate<InetSocketAddress> peerAllowed) {}

  /** Opens a socket of a protocol family (tests pass one that fails for IPv6). */
  @FunctionalInterface
  interface Opener<C extends NetworkChannel> {
    C open(ProtocolFamily family) throws IOException;
  }

  static final Opener<ServerSocketChannel> TCP = ServerSocketChannel::open;
  static final Opener<DatagramChannel> UDP = DatagramChannel::open;

  /**
   * The sockets for a forward on {@code bindTo}, bound: the first is the one asked for (or its
   * wildcard stand-in); a failure to bind it is thrown, with every socket closed.
   */
  <C extends NetworkChannel> List<Bound<C>> bind(InetSocketAddress bindTo, Opener<C> opener)
      throws IOException {
    List<Bound<C>> bound = new ArrayList<>();
    InetAddress ip = bindTo.getAddress();
    int port = bindTo.getPort();
    if (privilegedPortsOnWildcard && ip.isLoopbackAddress() && port > 0 && port < privilegedBelow) {
      InetSocketAddress wildcard =
          new InetSocketAddress(InetAddress.getByAddress(new byte[4]), port);
      bound.add(
          new Bound<>(bindOne(opener, StandardProtocolFamily.INET, wildcard), LOOPBACK_PEERS));
      return bound;
    }
    ProtocolFamily family =
        ip instanceof Inet4Address ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6;
    bound.add(new Bound<>(bindOne(opener, family, bindTo), ANY_PEER));
    if (ip instanceof Inet4Address && ip.isLoopbackAddress()) {
      InetSocketAddress v6 = new InetSocketAddress(IPV6_LOOPBACK, port);
      try {
        bound.add(new Bound<>(bindOne(opener, StandardProtocolFamily.INET6, v6), ANY_PEER));
      } catch (IOException | UnsupportedOperationException e) {
        LOG.info("forward of {} listens on IPv4 only: [::1]:{}: {}", bindTo, port, e.getMessage());
      }
    }
    return bound;
  }

  private static <C extends NetworkChannel> C bindOne(
      Opener<C> opener, ProtocolFamily family, InetSocketAddress address) throws IOException {
    C channel = opener.open(family);
    try {
      if (channel instanceof ServerSocketChannel server) {
        server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        server.bind(address, BACKLOG);
      } else {
        channel.bind(address);
      }
      return channel;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  private static InetAddress ipv6Loopback() {
    try {
      return InetAddress.getByAddress(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
