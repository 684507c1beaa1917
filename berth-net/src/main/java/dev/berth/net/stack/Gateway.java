package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.ETH_HEADER;
import static dev.berth.net.stack.Packets.IP_HEADER;
import static dev.berth.net.stack.Packets.UDP_HEADER;

import dev.berth.net.DnsZone;
import dev.berth.net.Framing;
import dev.berth.net.MacAddress;
import dev.berth.net.NetworkConfig;
import java.io.Closeable;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The L2 switch and the gateway's own endpoint: ARP, IPv4, ICMP echo, and dispatch to DHCP, DNS and
 * the TCP and UDP NAT. Runs on the event loop only.
 */
public final class Gateway implements EventLoop.Participant {

    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    static final int LOOPBACK = 0x7f00_0001;

    final EventLoop loop;
    final NetworkConfig config;
    final Stats stats = new Stats();
    final int gatewayIp;
    final long gatewayMac;
    final int guestIp;
    final long guestMac;
    final int hostAliasIp;
    final int subnet;
    final int mask;
    final int mtu;
    final TcpNat tcp;
    final UdpNat udp;
    final DhcpServer dhcp;
    final DnsServer dns;
    final DnsTcpService dnsTcp;
    final InboundForwards inbound;
    /** Gateway ports served on the host by an in-process service listening on a unix socket. */
    final Map<Integer, SocketAddress> services = new HashMap<>();
    /** The MAC address each guest address was last seen with; the longest unused go first when full. */
    private final Map<Integer, Long> macByIp = lruMap(MAX_MACS);
    /** Who waits for a guest to show up with an address, by address. */
    private final Map<Integer, List<CompletableFuture<Void>>> addressWaiters = new HashMap<>();

    private final List<StreamLink> links = new ArrayList<>();
    private final Map<Long, StreamLink> cam = lruMap(MAX_MACS);
    private final LogRate learnedLog = new LogRate();
    private final List<StreamLink> dirtyLinks = new ArrayList<>();
    private long lastLearnedMac = -1;
    private StreamLink lastLearnedLink;

    /**
     * MAC addresses the switch and the address table remember: a guest sending from millions of
     * spoofed sources makes the oldest be forgotten (and learnt again when they speak), not memory grow.
     */
    public static final int MAX_MACS = 1024;

    private static <K, V> Map<K, V> lruMap(int capacity) {
        return new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** How many MAC addresses the switch remembers now. */
    public int knownMacs() {
        return cam.size();
    }

    public Gateway(EventLoop loop, NetworkConfig config) throws IOException {
        this.loop = loop;
        this.config = config;
        this.gatewayIp = NetworkConfig.toInt(config.gatewayIp());
        this.gatewayMac = config.gatewayMac().value();
        this.guestIp = NetworkConfig.toInt(config.guestIp());
        this.guestMac = config.guestMac().value();
        this.hostAliasIp = NetworkConfig.toInt(config.hostAliasIp());
        this.mask = config.subnetMask();
        this.subnet = NetworkConfig.toInt(config.subnet()) & mask;
        this.mtu = config.mtu();
        this.tcp = new TcpNat(this);
        this.udp = new UdpNat(this);
        this.dhcp = new DhcpServer(this);
        this.dns = new DnsServer(this);
        this.dnsTcp = new DnsTcpService(this);
        services.put(DnsServer.PORT, dnsTcp.address());
        this.inbound = new InboundForwards(this);
    }

    /** A guest the gateway can reach: its link and MAC address. */
    record Neighbor(StreamLink link, long mac) {
    }

    /** The guest with address {@code ip}: as last seen in its traffic or ARP, else as leased by DHCP. */
    Neighbor neighbor(int ip) {
        Long mac = macByIp.get(ip);
        if (mac == null) {
            mac = dhcp.macLeased(ip);
        }
        StreamLink link = mac == null ? null : cam.get(mac);
        return link == null || link.isClosed() ? null : new Neighbor(link, mac);
    }

    /** Serves guest connections to the gateway's {@code port} with the service listening on {@code socket}. */
    public void serve(int port, UnixDomainSocketAddress socket) {
        services.put(port, socket);
    }

    /** Carries each connection {@code listener} accepts to {@code guestIp:guestPort}; closing the handle stops it. */
    public Closeable forwardTcp(ServerSocketChannel listener, Inet4Address guestIp, int guestPort) throws IOException {
        return forwardTcp(listener, guestIp, guestPort, peer -> true);
    }

    /** As {@link #forwardTcp(ServerSocketChannel, Inet4Address, int)}; a peer {@code peerAllowed} refuses is closed at once. */
    public Closeable forwardTcp(ServerSocketChannel listener, Inet4Address guestIp, int guestPort,
            Predicate<InetSocketAddress> peerAllowed) throws IOException {
        return inbound.tcp(listener, NetworkConfig.toInt(guestIp), guestPort, peerAllowed);
    }

    /** Carries each datagram {@code listener} receives to {@code guestIp:guestPort}, and the replies back. */
    public Closeable forwardUdp(DatagramChannel listener, Inet4Address guestIp, int guestPort) throws IOException {
        return forwardUdp(listener, guestIp, guestPort, peer -> true);
    }

    /** As {@link #forwardUdp(DatagramChannel, Inet4Address, int)}; datagrams from a peer {@code peerAllowed} refuses are dropped. */
    public Closeable forwardUdp(DatagramChannel listener, Inet4Address guestIp, int guestPort,
            Predicate<InetSocketAddress> peerAllowed) throws IOException {
        return inbound.udp(listener, NetworkConfig.toInt(guestIp), guestPort, peerAllowed);
    }

    /** Joins {@code host}, a connected socket, to a new connection to {@code guestIp:guestPort}; {@code first} goes first. */
    public void connectToGuest(SocketChannel host, Inet4Address guestIp, int guestPort, ByteBuffer first) throws IOException {
        tcp.connectToGuest(host, NetworkConfig.toInt(guestIp), guestPort, first);
    }

    /** The DHCP leases, MAC to address. */
    public Map<MacAddress, Inet4Address> leases() {
        Map<MacAddress, Inet4Address> result = new LinkedHashMap<>();
        dhcp.leases().forEach((mac, ip) -> result.put(new MacAddress(mac), NetworkConfig.fromInt(ip)));
        return result;
    }

    public List<DnsZone> dnsZones() {
        return dns.zones();
    }

    /** Adds a zone; one of the same name is replaced, its records kept after the new ones (as gvproxy). */
    public void addDnsZone(DnsZone zone) {
        dns.addZone(zone);
    }

    public Stats stats() {
        return stats;
    }

    public int tcpFlowCount() {
        return tcp.flowCount();
    }

    public int udpFlowCount() {
        return udp.flowCount();
    }

    public int linkCount() {
        return links.size();
    }

    /** Attaches an accepted guest connection. */
    public void attach(SocketChannel channel, Framing framing) throws IOException {
        attach(channel, framing, null);
    }

    /** Attaches a guest connection whose first bytes were already read into {@code first}. */
    public void attach(SocketChannel channel, Framing framing, ByteBuffer first) throws IOException {
        StreamLink link = new StreamLink(this, channel, framing, mtu + ETH_HEADER);
        links.add(link);
        link.register(loop);
        if (first != null && first.hasRemaining()) {
            link.receive(first);
        }
    }

    public void closeAll() {
        for (StreamLink l : new ArrayList<>(links)) {
            l.close();
        }
        tcp.closeAll();
        udp.closeAll();
        dnsTcp.close();
    }

    void onLinkClosed(StreamLink link) {
        links.remove(link);
        cam.values().removeIf(l -> l == link);
        if (lastLearnedLink == link) {
            lastLearnedLink = null;
            lastLearnedMac = -1;
        }
        tcp.onLinkClosed(link);
        udp.onLinkClosed(link);
    }

    void markDirty(StreamLink link) {
        dirtyLinks.add(link);
    }

    void resumeWaiting(StreamLink link) {
        TcpFlow f;
        while ((f = link.waiting.poll()) != null) {
            f.waiting = false;
            tcp.schedule(f);
        }
    }

    @Override
    public void afterEvents() {
        for (int round = 0; round < 4; round++) {
            tcp.afterEvents();
            if (dirtyLinks.isEmpty()) {
                return;
            }
            boolean resumed = false;
            for (int i = 0; i < dirtyLinks.size(); i++) {
                StreamLink l = dirtyLinks.get(i);
                boolean hadWaiting = !l.waiting.isEmpty();
                l.flush();
                resumed |= hadWaiting && l.waiting.isEmpty();
            }
            dirtyLinks.clear();
            if (!resumed) {
                return;
            }
        }
    }

    @Override
    public void onTick(long now) {
        tcp.onTick(now);
        udp.onTick(now);
        inbound.onTick(now);
        dnsTcp.onTick(now);
    }

    boolean inSubnet(int ip) {
        return (ip & mask) == subnet;
    }

    /** {@code target} when the outbound policy lets the gateway connect there, else null. */
    InetSocketAddress allowed(InetSocketAddress target) {
        return target == null || target.isUnresolved() || !config.outboundAllowed().test(target) ? null : target;
    }

    /** The host address a guest-visible destination maps to. */
    int hostAddressFor(int ip) {
        return ip == hostAliasIp ? LOOPBACK : ip;
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
            handleLocal(from, src, b, off, len);
        } else if (dst == 0xffff_ffff_ffffL) {
            forwardToOthers(from, b, off, len);
            handleLocal(from, src, b, off, len);
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
    public CompletableFuture<Void> guestWithAddress(Inet4Address ip) {
        int address = NetworkConfig.toInt(ip);
        if (macByIp.containsKey(address)) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> seen = new CompletableFuture<>();
        addressWaiters.computeIfAbsent(address, a -> new ArrayList<>()).add(seen);
        return seen;
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

    private void handleLocal(StreamLink from, long srcMac, ByteBuffer b, int off, int len) {
        int type = b.getShort(off + 12) & 0xffff;
        if (type == Packets.ETHERTYPE_IPV4) {
            ipv4(from, srcMac, b, off + ETH_HEADER, len - ETH_HEADER);
        } else if (type == Packets.ETHERTYPE_ARP) {
            arp(from, srcMac, b, off + ETH_HEADER, len - ETH_HEADER);
        } else {
            stats.framesDroppedInvalid++;
        }
    }

    private void arp(StreamLink from, long srcMac, ByteBuffer b, int a, int len) {
        if (len < 28 || b.getInt(a) != 0x0001_0800 || b.getShort(a + 4) != 0x0604) {
            stats.framesDroppedInvalid++;
            return;
        }
        int op = b.getShort(a + 6);
        long senderMac = Packets.getMac(b, a + 8);
        int senderIp = b.getInt(a + 14);
        if (inSubnet(senderIp) && senderMac == srcMac) {
            learnAddress(senderIp, senderMac);
        }
        int targetIp = b.getInt(a + 24);
        if (op != 1 || (targetIp != gatewayIp && targetIp != hostAliasIp)) {
            return;
        }
        int frameLen = ETH_HEADER + 28;
        int f = from.reserve(frameLen);
        if (f < 0) {
            stats.framesDroppedOutput++;
            return;
        }
        ByteBuffer o = from.out();
        Packets.putEthernet(o, f, srcMac, gatewayMac, Packets.ETHERTYPE_ARP);
        int r = f + ETH_HEADER;
        o.putInt(r, 0x0001_0800);
        o.putShort(r + 4, (short) 0x0604);
        o.putShort(r + 6, (short) 2);
        Packets.putMac(o, r + 8, gatewayMac);
        o.putInt(r + 14, targetIp);
        Packets.putMac(o, r + 18, senderMac);
        o.putInt(r + 24, senderIp);
        from.commit(frameLen);
    }

    private void ipv4(StreamLink from, long srcMac, ByteBuffer b, int ip, int avail) {
        if (avail < IP_HEADER) {
            stats.framesDroppedInvalid++;
            return;
        }
        int versionIhl = b.get(ip) & 0xff;
        int ihl = (versionIhl & 0xf) * 4;
        int total = b.getShort(ip + 2) & 0xffff;
        if (versionIhl >> 4 != 4 || ihl < IP_HEADER || total < ihl || total > avail
                || !Checksum.verifies(Checksum.add(b, ip, ihl, 0))) {
            stats.framesDroppedInvalid++;
            return;
        }
        if ((b.getShort(ip + 6) & 0x3fff) != 0) {
            // Fragments: Linux sets DF on TCP and fragments nothing else a container host sends.
            stats.framesDroppedInvalid++;
            return;
        }
        int protocol = b.get(ip + 9) & 0xff;
        int src = b.getInt(ip + 12);
        if (inSubnet(src)) {
            learnAddress(src, srcMac);
        }
        int dst = b.getInt(ip + 16);
        int l4 = ip + ihl;
        int l4len = total - ihl;
        switch (protocol) {
            case Packets.PROTO_TCP -> {
                if (inSubnet(src) && !isBroadcastOrMulticast(dst)) {
                    tcp.onSegment(from, srcMac, src, dst, b, l4, l4len);
                } else {
                    stats.framesDroppedInvalid++;
                }
            }
            case Packets.PROTO_UDP -> udp(from, srcMac, src, dst, b, l4, l4len);
            case Packets.PROTO_ICMP -> icmp(from, srcMac, src, dst, b, l4, l4len);
            default -> stats.framesDroppedInvalid++;
        }
    }

    boolean isBroadcastOrMulticast(int ip) {
        return ip == -1 || (ip & 0xf000_0000) == 0xe000_0000 || ip == (subnet | ~mask);
    }

    private void udp(StreamLink from, long srcMac, int src, int dst, ByteBuffer b, int u, int len) {
        if (len < UDP_HEADER) {
            stats.framesDroppedInvalid++;
            return;
        }
        int srcPort = b.getShort(u) & 0xffff;
        int dstPort = b.getShort(u + 2) & 0xffff;
        int udpLen = b.getShort(u + 4) & 0xffff;
        if (udpLen < UDP_HEADER || udpLen > len) {
            stats.framesDroppedInvalid++;
            return;
        }
        if (b.getShort(u + 6) != 0 && !Checksum.verifies(
                Checksum.add(b, u, udpLen, Checksum.pseudoHeader(src, dst, Packets.PROTO_UDP, udpLen)))) {
            stats.framesDroppedInvalid++;
            return;
        }
        int payload = u + UDP_HEADER;
        int payloadLen = udpLen - UDP_HEADER;
        if (dstPort == DhcpServer.SERVER_PORT && (dst == gatewayIp || dst == -1)) {
            dhcp.onRequest(from, srcMac, b, payload, payloadLen);
        } else if (!inSubnet(src)) {
            stats.framesDroppedInvalid++;
        } else if (dst == gatewayIp && dstPort == DnsServer.PORT) {
            dns.onQuery(from, srcMac, src, srcPort, b, payload, payloadLen);
        } else if (dst == gatewayIp && inbound.onUdpReply(src, srcPort, dstPort, b, payload, payloadLen)) {
            return;
        } else if (dst == gatewayIp || isBroadcastOrMulticast(dst)) {
            stats.framesDroppedInvalid++;
        } else {
            udp.onDatagram(from, srcMac, src, srcPort, dst, dstPort, b, payload, payloadLen);
        }
    }

    private void icmp(StreamLink from, long srcMac, int src, int dst, ByteBuffer b, int c, int len) {
        if (len < 8 || !Checksum.verifies(Checksum.add(b, c, len, 0))) {
            stats.framesDroppedInvalid++;
            return;
        }
        int type = b.get(c) & 0xff;
        // Echo is answered for the gateway and the host alias; the JVM has no ICMP socket to go further.
        if (type != 8 || (dst != gatewayIp && dst != hostAliasIp) || !inSubnet(src)) {
            return;
        }
        int frameLen = ETH_HEADER + IP_HEADER + len;
        int f = from.reserve(frameLen);
        if (f < 0) {
            stats.framesDroppedOutput++;
            return;
        }
        ByteBuffer o = from.out();
        Packets.putEthernet(o, f, srcMac, gatewayMac, Packets.ETHERTYPE_IPV4);
        Packets.putIpv4(o, f + ETH_HEADER, IP_HEADER + len, Packets.PROTO_ICMP, dst, src);
        int r = f + ETH_HEADER + IP_HEADER;
        o.put(r, b, c, len);
        o.put(r, (byte) 0);
        o.putShort(r + 2, (short) 0);
        o.putShort(r + 2, (short) Checksum.finish(Checksum.add(o, r, len, 0)));
        from.commit(frameLen);
    }

    /** Sends a UDP datagram from the gateway side to a guest; false when it was dropped. */
    boolean sendUdp(StreamLink link, long dstMac, int srcIp, int srcPort, int dstIp, int dstPort,
            ByteBuffer payload, int payloadIndex, int payloadLen) {
        int ipLen = IP_HEADER + UDP_HEADER + payloadLen;
        if (ipLen > mtu) {
            stats.framesDroppedOutput++;
            return false;
        }
        int frameLen = ETH_HEADER + ipLen;
        int f = link.reserve(frameLen);
        if (f < 0) {
            stats.framesDroppedOutput++;
            return false;
        }
        ByteBuffer o = link.out();
        Packets.putEthernet(o, f, dstMac, gatewayMac, Packets.ETHERTYPE_IPV4);
        Packets.putIpv4(o, f + ETH_HEADER, ipLen, Packets.PROTO_UDP, srcIp, dstIp);
        int u = f + ETH_HEADER + IP_HEADER;
        o.put(u + UDP_HEADER, payload, payloadIndex, payloadLen);
        Packets.putUdp(o, u, srcIp, dstIp, srcPort, dstPort, payloadLen);
        link.commit(frameLen);
        return true;
    }
}
