package dev.berth.net.network;

/**
 * A snapshot of the network's counters.
 *
 * @param links guest links attached now
 * @param tcpFlows TCP connections the NAT tracks, TIME-WAIT included
 * @param udpFlows UDP flows the NAT tracks
 * @param framesFromGuest frames received from guests
 * @param framesToGuest frames sent to guests
 * @param bytesFromGuest transport bytes received, framing included
 * @param bytesToGuest transport bytes sent, framing included
 * @param framesDroppedSize frames longer than the MTU allows or shorter than an Ethernet header
 * @param framesDroppedInvalid frames failing a header or checksum check, or that nothing handles
 * @param framesDroppedOutput frames to a guest dropped because its output was full or the MTU too
 *     small
 * @param knownMacs MAC addresses the switch remembers (at most a bound, the oldest forgotten)
 */
public record NetworkStats(
    int links,
    int tcpFlows,
    int udpFlows,
    long framesFromGuest,
    long framesToGuest,
    long bytesFromGuest,
    long bytesToGuest,
    long framesDroppedSize,
    long framesDroppedInvalid,
    long framesDroppedOutput,
    int knownMacs) {}
