package dev.berth.net.stack;

import dev.berth.net.config.MacAddress;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.log.LogRate;
import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Which guest holds which address: as seen in its traffic and ARP, else as leased by DHCP. */
final class Neighbors {

  private static final Logger LOG = LoggerFactory.getLogger(Neighbors.class);

  /** A guest the gateway can reach: its link and MAC address. */
  record Neighbor(StreamLink link, long mac) {}

  private final EthernetSwitch ethernet;
  private final DhcpServer dhcp;
  private final LogRate learnedLog;

  /**
   * The MAC address each guest address was last seen with; the longest unused go first when full.
   */
  private final Map<Integer, Long> macByIp = EthernetSwitch.lruMap(Gateway.MAX_MACS);

  /** Who waits for a guest to show up with an address, by address. */
  private final Map<Integer, List<CompletableFuture<Void>>> addressWaiters = new HashMap<>();

  Neighbors(EthernetSwitch ethernet, DhcpServer dhcp, LogRate learnedLog) {
    this.ethernet = ethernet;
    this.dhcp = dhcp;
    this.learnedLog = learnedLog;
  }

  /** The guest with address {@code ip}, or null when none is on a link. */
  Neighbor neighbor(int ip) {
    Long mac = macByIp.get(ip);
    if (mac == null) {
      mac = dhcp.macLeased(ip);
    }
    StreamLink link = mac == null ? null : ethernet.linkOf(mac);
    return link == null ? null : new Neighbor(link, mac);
  }

  void learnAddress(int ip, long mac) {
    Long previous = macByIp.put(ip, mac);
    if (previous == null || previous != mac) {
      learnedLog.info(LOG, "guest {} has address {}", new MacAddress(mac), Packets.ipToString(ip));
      List<CompletableFuture<Void>> waiters = addressWaiters.remove(ip);
      if (waiters != null) {
        waiters.forEach(w -> w.complete(null));
      }
    }
  }

  /** Completes once a guest holds address {@code ip}; at once if one does. */
  CompletableFuture<Void> guestWithAddress(Inet4Address ip) {
    int address = NetworkConfig.toInt(ip);
    if (macByIp.containsKey(address)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> seen = new CompletableFuture<>();
    addressWaiters.computeIfAbsent(address, a -> new ArrayList<>()).add(seen);
    return seen;
  }
}
