package dev.berth.agent.ports;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A socket a guest program serves on: a TCP socket in state LISTEN, or a bound UDP socket with no
 * peer. Read from a line of the guest's {@code /proc/net/{tcp,tcp6,udp,udp6}}, prefixed with the
 * file's name ({@code tcp 0: 00000000:1F90 00000000:0000 0A ...}). The guest is untrusted: a line
 * that is not exactly that shape is no socket.
 *
 * @param protocol {@code tcp} or {@code udp}
 * @param address the local address it is bound to
 * @param port the local port, 1 to 65535
 */
public record ListeningSocket(String protocol, InetAddress address, int port) {

  private static final Pattern SLOT = Pattern.compile("\\d{1,9}:");
  private static final Pattern V4 = Pattern.compile("[0-9A-Fa-f]{8}:[0-9A-Fa-f]{4}");
  private static final Pattern V6 = Pattern.compile("[0-9A-Fa-f]{32}:[0-9A-Fa-f]{4}");
  private static final String TCP_LISTEN = "0A";
  private static final String UDP_UNCONNECTED = "07";

  /** The socket a reporter line describes, if it is a listening one. */
  public static Optional<ListeningSocket> parse(String line) {
    String[] f = line.strip().split("\\s+");
    if (f.length < 5 || !SLOT.matcher(f[1]).matches()) {
      return Optional.empty();
    }
    String file = f[0];
    Pattern shape;
    switch (file) {
      case "tcp", "udp" -> shape = V4;
      case "tcp6", "udp6" -> shape = V6;
      default -> {
        return Optional.empty();
      }
    }
    String local = f[2];
    String remote = f[3];
    String state = f[4];
    if (!shape.matcher(local).matches() || !shape.matcher(remote).matches()) {
      return Optional.empty();
    }
    String protocol = file.startsWith("tcp") ? "tcp" : "udp";
    boolean serving =
        protocol.equals("tcp")
            ? state.equalsIgnoreCase(TCP_LISTEN)
            : state.equalsIgnoreCase(UDP_UNCONNECTED) && remote.matches("0+:0000");
    int port = Integer.parseInt(local.substring(local.length() - 4), 16);
    if (!serving || port == 0) {
      return Optional.empty();
    }
    return Optional.of(
        new ListeningSocket(protocol, address(local.substring(0, local.length() - 5)), port));
  }

  /**
   * The kernel prints an address as 32-bit words, each in the guest's byte order: little-endian on
   * x86_64 and aarch64, the guests Berth runs.
   */
  private static InetAddress address(String hex) {
    byte[] bytes = new byte[hex.length() / 2];
    for (int word = 0; word < bytes.length / 4; word++) {
      for (int i = 0; i < 4; i++) {
        int at = (word * 4 + i) * 2;
        bytes[word * 4 + 3 - i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
      }
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("4 or 16 bytes make an address", e);
    }
  }
}
