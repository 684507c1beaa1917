package dev.berth.net.forward;

import dev.berth.net.config.NetworkConfig;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a guest may ask of the forwarder at its gateway. The guest is untrusted: it gets tcp and udp
 * forwards to its own address only, on the host's loopback unless the user allowed every address,
 * never on a privileged port unless allowed, and at most {@code maxForwards} of them.
 *
 * @param anyAddress whether a forward may listen on an address other than loopback ({@code
 *     0.0.0.0}, a LAN address)
 * @param privilegedPorts whether a forward may listen on a port below 1024
 * @param maxForwards the most forwards the guests of this network may hold at once
 * @param anyAddressSetting what the user runs to allow every address, quoted in the refusal
 * @param privilegedSetting what the user runs to allow privileged ports, quoted in the refusal
 */
public record GuestForwardPolicy(
    boolean anyAddress,
    boolean privilegedPorts,
    int maxForwards,
    String anyAddressSetting,
    String privilegedSetting) {

  /** Forwards a guest may hold by default: podman's {@code -p} ranges up to 1,024 ports fit. */
  public static final int DEFAULT_MAX_FORWARDS = 1024;

  /** Literal addresses only: a name would make the host resolve what the guest chose. */
  private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  public GuestForwardPolicy {
    Objects.requireNonNull(anyAddressSetting, "anyAddressSetting");
    Objects.requireNonNull(privilegedSetting, "privilegedSetting");
    if (maxForwards < 1) {
      throw new IllegalArgumentException("maxForwards must be positive: " + maxForwards);
    }
  }

  /** Loopback only, no privileged ports, {@link #DEFAULT_MAX_FORWARDS}. */
  public static GuestForwardPolicy loopbackOnly(
      String anyAddressSetting, String privilegedSetting) {
    return new GuestForwardPolicy(
        false, false, DEFAULT_MAX_FORWARDS, anyAddressSetting, privilegedSetting);
  }

  /**
   * The host address a guest's forward listens on, if this policy allows it: {@code local} is
   * {@code [ipv4]:port}, an empty IP meaning loopback.
   */
  InetSocketAddress listenAddress(String protocol, String local) throws ForwardException {
    if (!protocol.equals("tcp") && !protocol.equals("udp")) {
      throw new ForwardException.Refused(
          "guests cannot make " + protocol + " forwards: only tcp and udp");
    }
    HostPort hp = HostPort.parse(local);
    InetAddress ip;
    if (hp.host().isEmpty()) {
      ip = InetAddress.getLoopbackAddress();
    } else if (IPV4_LITERAL.matcher(hp.host()).matches()) {
      try {
        ip = NetworkConfig.ipv4(hp.host());
      } catch (IllegalArgumentException e) {
        throw new ForwardException.Refused("listen address " + local + ": not an IPv4 address");
      }
    } else {
      throw new ForwardException.Refused(
          "listen address " + local + ": give an IPv4 address, not a name");
    }
    if (hp.port() == 0) {
      throw new ForwardException.Refused("listen address " + local + ": give a port");
    }
    if (!anyAddress && !ip.isLoopbackAddress()) {
      throw new ForwardException.Refused(
          "listen "
              + protocol
              + " "
              + local
              + ": this machine publishes ports on the host's loopback only (127.0.0.1); to listen on "
              + ip.getHostAddress()
              + " allow it with: "
              + anyAddressSetting);
    }
    if (!privilegedPorts && hp.port() < 1024) {
      throw new ForwardException.Refused(
          "listen "
              + protocol
              + " "
              + local
              + ": ports below 1024 are not published from this machine; allow them with: "
              + privilegedSetting);
    }
    return new InetSocketAddress(ip, hp.port());
  }
}
