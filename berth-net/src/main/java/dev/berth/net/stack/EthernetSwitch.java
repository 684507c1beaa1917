package dev.berth.net.stack;

import dev.berth.net.config.Framing;
import dev.berth.net.config.MacAddress;
import dev.berth.net.log.LogRate;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The L2 switch between the guests' links and the gateway: learns which link each MAC address is
 * on, hands frames for the gateway (and broadcasts) to it, copies the others between links, and
 * writes each link's output once per loop iteration.
 */
final class EthernetSwitch {

  private static final Logger LOG = LoggerFactory.getLogger(EthernetSwitch.class);

  /** The gateway's side of the switch. */
  interface Gateway {
    /** A frame for the gateway from {@code srcMac}, at {@code off} in {@code b}. */
    void onFrame(StreamLink from, long srcMac, ByteBuffer b, int off, int len);

    /** The output of {@code link} has room again for those that found it full. */
    void onOutputRoom(StreamLink link);

    void onLinkClosed(StreamLink link);
  }

  final Stats stats;
  private final long gatewayMac;
  private final int maxFrame;
  private final LogRate learnedLog;
  private Gateway gateway;
  private final List<StreamLink> links = new ArrayList<>();
  private final Map<Long, StreamLink> cam = lruMap(dev.berth.net.stack.Gateway.MAX_MACS);
  private final List<StreamLink> dirtyLinks = new ArrayList<>();
  private long lastLearnedMac = -1;
  private StreamLink lastLearnedLink;

  EthernetSwitch(StackContext context, LogRate learnedLog) {
    this.stats = context.stats();
    this.gatewayMac = context.addresses().gatewayMac();
    this.maxFrame = context.addresses().mtu() + Packets.ETH_HEADER;
    this.learnedLog = learnedLog;
  }

  void connect(Gateway g) {
    this.gateway = g;
  }

  /** A map that forgets its least recently used entry past {@code capacity}. */
  static <K, V> Map<K, V> lruMap(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
        return size() > capacity;
      }
    };
  }

  int knownMacs() {
    return cam.size();
  }

  int linkCount() {
    return links.size();
  }

  /**
   * The link {@code mac} was last seen on, null if none or closed. A MAC not seen yet is on the
   * only link when there is one, as a switch floods unknown unicast: a guest restored from a saved
   * state holds its address without asking DHCP again, and may send nothing until spoken to.
   */
  StreamLink linkOf(long mac) {
    StreamLink link = cam.get(mac);
    if (link == null && links.size() == 1) {
      link = links.get(0);
    }
    return link == null || link.isClosed() ? null : link;
  }

  /**
   * Attaches a guest connection whose first bytes, if any, were already read into {@code first}.
   */
  void attach(EventLoop loop, SocketChannel channel, Framing framing, ByteBuffer first)
      throws IOException {
    StreamLink link = new StreamLink(this, channel, framing, maxFrame);
    links.add(link);
    link.register(loop);
    if (first != null && first.hasRemaining()) {
      link.receive(first);
    }
  }

  void closeAll() {
    for (StreamLink l : new ArrayList<>(links)) {
      l.close();
    }
  }

  void onLinkClosed(StreamLink link) {
    links.remove(link);
    cam.values().removeIf(l -> l == link);
    if (lastLearnedLink == link) {
      lastLearnedLink = null;
      lastLearnedMac = -1;
    }
    gateway.onLinkClosed(link);
  }

  void markDirty(StreamLink link) {
    dirtyLinks.add(link);
  }

  void resumeWaiting(StreamLink link) {
    gateway.onOutputRoom(link);
  }

  /**
   * Writes the output of every link written to; true when that made room for someone who was
   * waiting.
   */
  boolean flushDirty() {
    if (dirtyLinks.isEmpty()) {
      return false;
    }
    boolean resumed = false;
    for (int i = 0; i < dirtyLinks.size(); i++) {
      StreamLink l = dirtyLinks.get(i);
      boolean hadWaiting = !l.waiting.isEmpty();
      l.flush();
      resumed |= hadWaiting && l.waiting.isEmpty();
    }
    dirtyLinks.clear();
    return resumed;
  }

  void onFrame(StreamLink from, ByteBuffer b, int off, int len) {
    long dst = Packets.getMac(b, off);
    long src = Packets.getMac(b, off + 6);
    if (Packets.isGroupMac(src) || src == gatewayMac) {
      stats.framesDroppedInvalid++;
      return;
    }
    learn(src, from);
    if (dst == gatewayMac) {
      gateway.onFrame(from, src, b, off, len);
    } else if (dst == 0xffff_ffff_ffffL) {
      forwardToOthers(from, b, off, len);
      gateway.onFrame(from, src, b, off, len);
    } else if (!Packets.isGroupMac(dst)) {
      StreamLink to = cam.get(dst);
      if (to != null && to != from) {
        copyFrame(to, b, off, len);
      }
    }
  }

  private void learn(long mac, StreamLink link) {
    if (mac == lastLearnedMac && link == lastLearnedLink) {
      return;
    }
    StreamLink previous = cam.put(mac, link);
    if (previous != link) {
      learnedLog.info(LOG, "guest {} on a link", new MacAddress(mac));
    }
    lastLearnedMac = mac;
    lastLearnedLink = link;
  }

  private void forwardToOthers(StreamLink from, ByteBuffer b, int off, int len) {
    for (int i = 0; i < links.size(); i++) {
      StreamLink l = links.get(i);
      if (l != from) {
        copyFrame(l, b, off, len);
      }
    }
  }

  private void copyFrame(StreamLink to, ByteBuffer b, int off, int len) {
    int f = to.reserve(len);
    if (f < 0) {
      stats.framesDroppedOutput++;
      return;
    }
    to.out().put(f, b, off, len);
    to.commit(len);
  }
}
