package dev.berth.net.stack;

import dev.berth.net.config.NetworkConfig;

/**
 * The network's addresses as the stack compares them: IPv4 addresses as ints, MAC addresses as
 * longs.
 */
record Addressing(
    int gatewayIp,
    long gatewayMac,
    int guestIp,
    long guestMac,
    int hostAliasIp,
    int subnet,
    int mask,
    int mtu) {

  static final int LOOPBACK = 0x7f00_0001;

  static Addressing of(NetworkConfig config) {
    int mask = config.subnetMask();
    return new Addressing(
        NetworkConfig.toInt(config.gatewayIp()),
        config.gatewayMac().value(),
        NetworkConfig.toInt(config.guestIp()),
        config.guestMac().value(),
        NetworkConfig.toInt(config.hostAliasIp()),
        NetworkConfig.toInt(config.subnet()) & mask,
        mask,
        config.mtu());
  }

  boolean inSubnet(int ip) {
    return (ip & mask) == subnet;
  }

  boolean isBroadcastOrMulticast(int ip) {
    return ip == -1 || (ip & 0xf000_0000) == 0xe000_0000 || ip == (subnet | ~mask);
  }

  /**
   * The host address a guest-visible destination maps to: the host alias is the host's loopback.
   */
  int hostAddressFor(int ip) {
    return ip == hostAliasIp ? LOOPBACK : ip;
  }
}
