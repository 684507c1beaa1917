package dev.berth.net.config;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * Where the resolvers that answer the guest's names outside the local zones come from. The network
 * asks at each query that leaves it, on its event loop: an implementation answers at once (from
 * what it last read) and reads its source again at most every few seconds.
 */
@FunctionalInterface
public interface DnsUpstreams {

  int PORT = 53;

  /**
   * The resolvers to try, in order (the next when one does not answer); empty when none is known.
   */
  List<InetSocketAddress> servers();

  /** Always {@code servers}. */
  static DnsUpstreams fixed(List<InetSocketAddress> servers) {
    List<InetSocketAddress> copy = List.copyOf(servers);
    return () -> copy;
  }
}
