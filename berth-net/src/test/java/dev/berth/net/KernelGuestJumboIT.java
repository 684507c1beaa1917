package dev.berth.net;

/** The kernel-as-guest tests at the largest MTU berth-net offers, where one frame carries 64 KiB. */
class KernelGuestJumboIT extends KernelGuestIT {

    @Override
    int mtu() {
        return NetworkConfig.MAX_MTU;
    }
}
