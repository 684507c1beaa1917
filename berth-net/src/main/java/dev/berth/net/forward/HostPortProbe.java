package dev.berth.net.forward;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;

/**
 * Whether a host service already holds a port on any address, so that a guest cannot take {@code
 * 127.0.0.1:P} in front of a service listening on {@code [::1]:P} or {@code 0.0.0.0:P} and receive
 * its clients. Binding the wildcard address conflicts with every listener of the port.
 */
final class HostPortProbe {

  private static final int CONNECT_TIMEOUT_MILLIS = 200;

  private HostPortProbe() {}

  /** True when something on the host holds {@code port} for {@code protocol} on some address. */
  static boolean held(String protocol, int port) {
    if (protocol.equals("udp")) {
      return !wildcardsBind(port, false, HostPortProbe::openUdp);
    }
    if (wildcardsBind(port, false, HostPortProbe::openTcp)) {
      return false;
    }
    // The strict bind also fails for connections of an earlier listener still in TIME-WAIT. A
    // listener on loopback accepts a connection; one on another address still conflicts with a
    // wildcard bind that tolerates TIME-WAIT (Linux, where SO_REUSEADDR never shares a listener).
    return acceptsOnLoopback(port) || !wildcardsBind(port, true, HostPortProbe::openTcp);
  }

  private interface Opener {
    NetworkChannel open(ProtocolFamily family) throws IOException;
  }

  private static NetworkChannel openTcp(ProtocolFamily family) throws IOException {
    return ServerSocketChannel.open(family);
  }

  private static NetworkChannel openUdp(ProtocolFamily family) throws IOException {
    return DatagramChannel.open(family);
  }

  /**
   * Binds {@code 0.0.0.0:port} and {@code [::]:port} (where the host has IPv6) and lets them go.
   */
  private static boolean wildcardsBind(int port, boolean reuseAddress, Opener opener) {
    return bindOnce(StandardProtocolFamily.INET, "0.0.0.0", port, reuseAddress, opener)
        && bindOnce(StandardProtocolFamily.INET6, "::", port, reuseAddress, opener);
  }

  private static boolean bindOnce(
      ProtocolFamily family, String wildcard, int port, boolean reuseAddress, Opener opener) {
    NetworkChannel channel;
    try {
      channel = opener.open(family);
    } catch (IOException | UnsupportedOperationException e) {
      return true; // no such family on this host: nothing can listen there
    }
    try (NetworkChannel c = channel) {
      c.setOption(StandardSocketOptions.SO_REUSEADDR, reuseAddress);
      c.bind(new InetSocketAddress(InetAddress.getByName(wildcard), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean acceptsOnLoopback(int port) {
    for (String loopback : new String[] {"127.0.0.1", "::1"}) {
      try (Socket s = new Socket()) {
        s.connect(
            new InetSocketAddress(InetAddress.getByName(loopback), port), CONNECT_TIMEOUT_MILLIS);
        return true;
      } catch (IOException e) {
        // refused or unreachable: nothing listens there
      }
    }
    return false;
  }
}
