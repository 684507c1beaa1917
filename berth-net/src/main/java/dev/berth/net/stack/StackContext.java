package dev.berth.net.stack;

import dev.berth.net.config.NetworkConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;

/**
 * What a protocol handler (DHCP, DNS, the NATs, the forwards) sees of the stack: the addresses and
 * the configuration, the loop (register a channel, read its clock), the counters, and sending a
 * datagram.
 */
interface StackContext {

  Addressing addresses();

  NetworkConfig config();

  /** Counters, written on the loop only. */
  Stats stats();

  /** The time of the loop's current iteration. */
  long now();

  SelectionKey register(SelectableChannel channel, int ops, EventLoop.Handler handler)
      throws IOException;

  /** {@code target} when the outbound policy lets the gateway connect there, else null. */
  InetSocketAddress allowed(InetSocketAddress target);

  /**
   * Sends a UDP datagram from the gateway's side to a guest; false (and counted) when it was
   * dropped.
   */
  boolean sendUdp(
      StreamLink link,
      long dstMac,
      int srcIp,
      int srcPort,
      int dstIp,
      int dstPort,
      ByteBuffer payload,
      int payloadIndex,
      int payloadLen);
}
