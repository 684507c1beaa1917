package dev.berth.net;

import dev.berth.net.config.NetworkConfig;

/**
 * The kernel-as-guest tests at the largest MTU berth-net offers, where one frame carries 64 KiB.
 */
class KernelGuestJumboIT extends KernelGuestIT {

  @Override
  int mtu() {
    return NetworkConfig.MAX_MTU;
  }
}
