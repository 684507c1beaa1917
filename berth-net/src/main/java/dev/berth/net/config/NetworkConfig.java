package dev.berth.net.config;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The shape of the virtual network. {@link #gvproxyDefaults()} gives the network gvproxy presents
 * to a podman machine; the {@code with…} methods derive variants.
 *
 * @param subnet network address of the /{@code prefixLength} subnet
 * @param prefixLength subnet prefix length
 * @param gatewayIp the gateway's address: DHCP server, DNS server, default route
 * @param gatewayMac the gateway's MAC address
 * @param guestIp the address of the static lease
 * @param guestMac the MAC address that receives the static lease
 * @param hostAliasIp the address in the subnet that reaches the host's 127.0.0.1
 * @param mtu the link MTU, 576 to 65520; frames larger than it allows are dropped
 * @param dnsUpstreams the resolvers that answer names outside the local zones, tried in order (the
 *     next when one times out); null: the nameservers of the host's /etc/resolv.conf, read again
 *     when it changes
 * @param outboundAllowed which host-side destinations (after the host alias is mapped to 127.0.0.1)
 *     guest connections and datagrams may reach
 * @param tcpBufferBytes per connection and direction: the most bytes buffered between guest and
 *     host
 * @param udpIdleTimeout how long a UDP flow lives without traffic
 * @param tcpBufferBudget the most bytes buffered over all connections at once (whole buffers of
 *     {@code tcpBufferBytes}), half for each direction; a connection that finds none waits for one
 * @param tcpMaxFlows the most TCP connections a guest may hold open at once (each holds a host
 *     socket; those in TIME-WAIT and forwards from the host do not count); its SYN beyond them gets
 *     a RST
 * @param privilegedPortsOnWildcard whether a loopback forward of a port below 1024 listens on the
 *     wildcard address for loopback peers only: on macOS an ordinary user may bind such ports on
 *     the wildcard address alone
 */
public record NetworkConfig(
    Inet4Address subnet,
    int prefixLength,
    Inet4Address gatewayIp,
    MacAddress gatewayMac,
    Inet4Address guestIp,
    MacAddress guestMac,
    Inet4Address hostAliasIp,
    int mtu,
    DnsUpstreams dnsUpstreams,
    Predicate<InetSocketAddress> outboundAllowed,
    int tcpBufferBytes,
    Duration udpIdleTimeout,
    long tcpBufferBudget,
    int tcpMaxFlows,
    boolean privilegedPortsOnWildcard) {

  /** Buffers over all connections by default: within the agent's 1 GiB of direct memory. */
  public static final long DEFAULT_TCP_BUFFER_BUDGET = 512L << 20;

  /** Connections a guest may open by default: each is a host descriptor. */
  public static final int DEFAULT_TCP_MAX_FLOWS = 4096;

  public static final int MIN_MTU = 576;
  public static final int MAX_MTU = 65520;

  public NetworkConfig {
    Objects.requireNonNull(subnet, "subnet");
    Objects.requireNonNull(gatewayIp, "gatewayIp");
    Objects.requireNonNull(gatewayMac, "gatewayMac");
    Objects.requireNonNull(guestIp, "guestIp");
    Objects.requireNonNull(guestMac, "guestMac");
    Objects.requireNonNull(hostAliasIp, "hostAliasIp");
    Objects.requireNonNull(outboundAllowed, "outboundAllowed");
    Objects.requireNonNull(udpIdleTimeout, "udpIdleTimeout");
    if (prefixLength < 1 || prefixLength > 29) {
      throw new IllegalArgumentException("subnet too small or invalid: /" + prefixLength);
    }
    if (mtu < MIN_MTU || mtu > MAX_MTU) {
      throw new IllegalArgumentException(
          "MTU must be between " + MIN_MTU + " and " + MAX_MTU + ": " + mtu);
    }
    if (tcpBufferBytes < 64 * 1024 || tcpBufferBytes > 64 * 1024 * 1024) {
      throw new IllegalArgumentException(
          "TCP buffer must be between 64 KiB and 64 MiB: " + tcpBufferBytes);
    }
    if (tcpBufferBudget < 2L * tcpBufferBytes) {
      throw new IllegalArgumentException(
          "the TCP buffer budget must hold two buffers, one each way: " + tcpBufferBudget);
    }
    if (tcpMaxFlows < 1) {
      throw new IllegalArgumentException(
          "at least one TCP connection must be allowed: " + tcpMaxFlows);
    }
    int mask = -1 << (32 - prefixLength);
    int net = toInt(subnet) & mask;
    for (Inet4Address a : new Inet4Address[] {gatewayIp, guestIp, hostAliasIp}) {
      int v = toInt(a);
      if ((v & mask) != net || v == net || v == (net | ~mask)) {
        throw new IllegalArgumentException(
            a.getHostAddress() + " is not a host address in the subnet");
      }
    }
    if (gatewayIp.equals(guestIp) || gatewayIp.equals(hostAliasIp) || guestIp.equals(hostAliasIp)) {
      throw new IllegalArgumentException("gateway, guest and host alias addresses must differ");
    }
  }

  /**
   * The network gvproxy presents: 192.168.127.0/24, gateway .1, guest .2, host alias .254, MTU
   * 1500.
   */
  public static NetworkConfig gvproxyDefaults() {
    return new NetworkConfig(
        ipv4("192.168.127.0"),
        24,
        ipv4("192.168.127.1"),
        MacAddress.parse("5a:94:ef:e4:0c:dd"),
        ipv4("192.168.127.2"),
        MacAddress.parse("5a:94:ef:e4:0c:ee"),
        ipv4("192.168.127.254"),
        1500,
        null,
        NetworkConfig::ordinaryDestination,
        2 * 1024 * 1024,
        Duration.ofSeconds(90),
        DEFAULT_TCP_BUFFER_BUDGET,
        DEFAULT_TCP_MAX_FLOWS,
        false);
  }

  /** gvproxy's default: everything but link-local (cloud metadata) and multicast destinations. */
  public static boolean ordinaryDestination(InetSocketAddress destination) {
    InetAddress a = destination.getAddress();
    return a != null
        && !a.isLinkLocalAddress()
        && !a.isMulticastAddress()
        && !a.isAnyLocalAddress();
  }

  public NetworkConfig withMtu(int newMtu) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        newMtu,
        dnsUpstreams,
        outboundAllowed,
        tcpBufferBytes,
        udpIdleTimeout,
        tcpBufferBudget,
        tcpMaxFlows,
        privilegedPortsOnWildcard);
  }

  /** One resolver for every name outside the local zones. */
  public NetworkConfig withDnsUpstream(InetSocketAddress upstream) {
    return withDnsUpstreams(DnsUpstreams.fixed(List.of(upstream)));
  }

  public NetworkConfig withDnsUpstreams(DnsUpstreams upstreams) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        mtu,
        upstreams,
        outboundAllowed,
        tcpBufferBytes,
        udpIdleTimeout,
        tcpBufferBudget,
        tcpMaxFlows,
        privilegedPortsOnWildcard);
  }

  public NetworkConfig withPrivilegedPortsOnWildcard(boolean onWildcard) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        mtu,
        dnsUpstreams,
        outboundAllowed,
        tcpBufferBytes,
        udpIdleTimeout,
        tcpBufferBudget,
        tcpMaxFlows,
        onWildcard);
  }

  public NetworkConfig withOutboundAllowed(Predicate<InetSocketAddress> allowed) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        mtu,
        dnsUpstreams,
        allowed,
        tcpBufferBytes,
        udpIdleTimeout,
        tcpBufferBudget,
        tcpMaxFlows,
        privilegedPortsOnWildcard);
  }

  public NetworkConfig withTcpBufferBytes(int bytes) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        mtu,
        dnsUpstreams,
        outboundAllowed,
        bytes,
        udpIdleTimeout,
        tcpBufferBudget,
        tcpMaxFlows,
        privilegedPortsOnWildcard);
  }

  public NetworkConfig withUdpIdleTimeout(Duration timeout) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        mtu,
        dnsUpstreams,
        outboundAllowed,
        tcpBufferBytes,
        timeout,
        tcpBufferBudget,
        tcpMaxFlows,
        privilegedPortsOnWildcard);
  }

  public NetworkConfig withTcpBufferBudget(long bytes) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        mtu,
        dnsUpstreams,
        outboundAllowed,
        tcpBufferBytes,
        udpIdleTimeout,
        bytes,
        tcpMaxFlows,
        privilegedPortsOnWildcard);
  }

  public NetworkConfig withTcpMaxFlows(int flows) {
    return new NetworkConfig(
        subnet,
        prefixLength,
        gatewayIp,
        gatewayMac,
        guestIp,
        guestMac,
        hostAliasIp,
        mtu,
        dnsUpstreams,
        outboundAllowed,
        tcpBufferBytes,
        udpIdleTimeout,
        tcpBufferBudget,
        flows,
        privilegedPortsOnWildcard);
  }

  public int subnetMask() {
    return -1 << (32 - prefixLength);
  }

  /**
   * A dotted quad parsed by hand: the text never reaches the resolver, so a guest's string cannot
   * make the host look up a name.
   */
  public static Inet4Address ipv4(String dotted) {
    String[] parts = dotted.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("not an IPv4 address: " + dotted);
    }
    byte[] bytes = new byte[4];
    for (int i = 0; i < 4; i++) {
      String part = parts[i];
      if (part.isEmpty()
          || part.length() > 3
          || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("not an IPv4 address: " + dotted);
      }
      int value = Integer.parseInt(part);
      if (value > 255) {
        throw new IllegalArgumentException("not an IPv4 address: " + dotted);
      }
      bytes[i] = (byte) value;
    }
    try {
      return (Inet4Address) InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IPv4 address: " + dotted, e);
    }
  }

  public static int toInt(Inet4Address a) {
    byte[] b = a.getAddress();
    return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
  }

  public static Inet4Address fromInt(int v) {
    try {
      return (Inet4Address)
          InetAddress.getByAddress(
              new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }
}
