package dev.berth.cli;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Ports of the host's loopback, as the machine tests pick and check them. */
final class LoopbackPorts {
  private LoopbackPorts() {}

  /** A TCP port nothing holds on 127.0.0.1 right now. */
  static int free() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Whether TCP {@code port} on 127.0.0.1 can be bound: no forward or program holds it. */
  static boolean tcpFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether both TCP and UDP {@code port} on 127.0.0.1 can be bound. */
  static boolean tcpAndUdpFree(int port) {
    try (ServerSocket s = new ServerSocket();
        DatagramSocket d = new DatagramSocket(null)) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      d.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
