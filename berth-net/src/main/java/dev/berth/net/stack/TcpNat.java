package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.ETH_HEADER;
import static dev.berth.net.stack.Packets.IP_HEADER;
import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_HEADER;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;

import dev.berth.net.NetworkConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TCP NAT: every guest connection is terminated here and re-originated as a host socket. The host is
 * dialled first; the guest gets its SYN-ACK once the host accepted, or a RST when it refused.
 */
final class TcpNat {

    private static final Logger LOG = LoggerFactory.getLogger(TcpNat.class);
    /**
     * Connections not yet established (host connect in progress, or SYN-ACK sent) at once; further SYNs
     * are dropped and the guest retries them. Bounds what a SYN flood from a guest can hold.
     */
    static final int MAX_HALF_OPEN = 512;

    final Gateway gw;
    final BufferPool pool;
    private final Map<FlowKey, TcpFlow> flows = new HashMap<>();
    private final FlowKey probe = new FlowKey();
    private final ArrayDeque<TcpFlow> scheduled = new ArrayDeque<>();
    private final List<TcpFlow> tickScratch = new ArrayList<>();
    int halfOpen;
    private final EphemeralPorts ephemeralPorts = new EphemeralPorts();
    private final LogRate refusedAtLimit = new LogRate();
    /** Connections that found no free buffer, to be woken in turn as buffers come back. */
    private final ArrayDeque<TcpFlow> waitingForBuffer = new ArrayDeque<>();

    TcpNat(Gateway gw) {
        this.gw = gw;
        this.pool = new BufferPool(gw.config.tcpBufferBytes(), 64,
                (int) Math.min(Integer.MAX_VALUE, gw.config.tcpBufferBudget() / gw.config.tcpBufferBytes()),
                this::bufferFreed);
    }

    void waitForBuffer(TcpFlow flow) {
        waitingForBuffer.add(flow);
    }

    private void bufferFreed() {
        TcpFlow flow;
        while ((flow = waitingForBuffer.poll()) != null) {
            if (flow.onBufferFreed()) {
                return;
            }
        }
    }

    int flowCount() {
        return flows.size();
    }

    void onSegment(StreamLink link, long srcMac, int src, int dst, ByteBuffer b, int t, int len) {
        if (len < TCP_HEADER) {
            gw.stats.framesDroppedInvalid++;
            return;
        }
        int dataOffset = ((b.get(t + 12) >> 4) & 0xf) * 4;
        if (dataOffset < TCP_HEADER || dataOffset > len
                || !Checksum.verifies(Checksum.add(b, t, len, Checksum.pseudoHeader(src, dst, Packets.PROTO_TCP, len)))) {
            gw.stats.framesDroppedInvalid++;
            return;
        }
        int srcPort = b.getShort(t) & 0xffff;
        int dstPort = b.getShort(t + 2) & 0xffff;
        int flags = b.get(t + 13) & 0x3f;
        TcpFlow flow = flows.get(probe.set(src, srcPort, dst, dstPort));
        if (flow != null && (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN && flow.isFinished()) {
            // A new connection reusing the ports of one in TIME-WAIT.
            flow.discard();
            flow = null;
        }
        if (flow != null) {
            flow.onSegment(b, t, len, dataOffset, flags);
            return;
        }
        if ((flags & TCP_RST) != 0) {
            return;
        }
        int seq = b.getInt(t + 4);
        if ((flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
            open(link, srcMac, src, srcPort, dst, dstPort, seq, b, t, dataOffset);
        } else {
            rejectSegment(link, srcMac, src, srcPort, dst, dstPort, b, t, len - dataOffset, flags);
        }
    }

    /** RFC 793's reset for a segment that belongs to no connection. */
    private void rejectSegment(StreamLink link, long mac, int src, int srcPort, int dst, int dstPort,
            ByteBuffer b, int t, int dataLen, int flags) {
        if ((flags & TCP_ACK) != 0) {
            writeSegment(link, mac, dst, dstPort, src, srcPort, b.getInt(t + 8), 0, TCP_RST, 0, -1, -1, null, 0, 0);
        } else {
            int seqLen = dataLen + ((flags & TCP_SYN) != 0 ? 1 : 0) + ((flags & TCP_FIN) != 0 ? 1 : 0);
            writeSegment(link, mac, dst, dstPort, src, srcPort, 0, b.getInt(t + 4) + seqLen, TCP_RST | TCP_ACK, 0,
                    -1, -1, null, 0, 0);
        }
    }

    private void open(StreamLink link, long mac, int src, int srcPort, int dst, int dstPort, int seq,
            ByteBuffer b, int t, int dataOffset) {
        int[] options = synOptions(b, t, dataOffset);
        SocketAddress target = targetFor(dst, dstPort);
        if (target == null) {
            writeSegment(link, mac, dst, dstPort, src, srcPort, 0, seq + 1, TCP_RST | TCP_ACK, 0, -1, -1, null, 0, 0);
            return;
        }
        if (halfOpen >= MAX_HALF_OPEN) {
            return;
        }
        // Each connection holds a host socket: a guest cannot take every descriptor of the process.
        // Forwards from the host are not refused by it.
        if (flows.size() >= gw.config.tcpMaxFlows()) {
            refusedAtLimit.warn(LOG, "{} TCP connections open, the most a guest may hold: refusing more",
                    gw.config.tcpMaxFlows());
            writeSegment(link, mac, dst, dstPort, src, srcPort, 0, seq + 1, TCP_RST | TCP_ACK, 0, -1, -1, null, 0, 0);
            return;
        }
        SocketChannel ch = null;
        try {
            ch = target instanceof UnixDomainSocketAddress
                    ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
            ch.configureBlocking(false);
            if (target instanceof InetSocketAddress) {
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            }
            FlowKey key = probe.copy();
            TcpFlow flow = new TcpFlow(this, key, link, mac, ch, seq, options[0], options[1], target);
            if (target instanceof UnixDomainSocketAddress) {
                flow.preamble = proxyLine(src, srcPort, dst, dstPort);
            }
            flows.put(key, flow);
            flow.startConnect();
        } catch (IOException e) {
            LOG.debug("cannot open a host socket for {}: {}", probe, e.toString());
            closeQuietly(ch);
            writeSegment(link, mac, dst, dstPort, src, srcPort, 0, seq + 1, TCP_RST | TCP_ACK, 0, -1, -1, null, 0, 0);
        }
    }

    /**
     * Where a guest connection to {@code dst:dstPort} goes on the host: a gateway service's socket (DNS
     * over TCP among them), or the destination itself (the host alias mapped to loopback). Null when it
     * may not go anywhere.
     */
    private SocketAddress targetFor(int dst, int dstPort) {
        if (dst == gw.gatewayIp) {
            return gw.services.get(dstPort);
        }
        return gw.allowed(new InetSocketAddress(NetworkConfig.fromInt(gw.hostAddressFor(dst)), dstPort));
    }

    /**
     * The PROXY protocol v1 line that tells a gateway service who called: it listens on a unix socket,
     * which carries no peer address.
     */
    static byte[] proxyLine(int src, int srcPort, int dst, int dstPort) {
        return ("PROXY TCP4 " + Packets.ipToString(src) + " " + Packets.ipToString(dst) + " " + srcPort + " "
                + dstPort + "\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The MSS (536 when absent) and window shift (-1 when absent) options of a SYN. */
    static int[] synOptions(ByteBuffer b, int t, int dataOffset) {
        int guestMss = 536;
        int guestShift = -1;
        for (int o = t + TCP_HEADER; o < t + dataOffset; ) {
            int kind = b.get(o) & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                o++;
                continue;
            }
            if (o + 1 >= t + dataOffset) {
                break;
            }
            int optLen = b.get(o + 1) & 0xff;
            if (optLen < 2 || o + optLen > t + dataOffset) {
                break;
            }
            if (kind == 2 && optLen == 4) {
                guestMss = b.getShort(o + 2) & 0xffff;
            } else if (kind == 3 && optLen == 3) {
                guestShift = Math.min(14, b.get(o + 2) & 0xff);
            }
            o += optLen;
        }
        return new int[] {guestMss, guestShift};
    }

    /**
     * Opens a connection from the gateway to {@code guestIp:guestPort} for {@code host}, an already
     * connected host socket (an inbound forward); {@code initialToGuest} is sent first. The guest sees
     * the gateway's address and an ephemeral port.
     */
    void connectToGuest(SocketChannel host, int guestIp, int guestPort, ByteBuffer initialToGuest) throws IOException {
        Gateway.Neighbor guest = gw.neighbor(guestIp);
        if (guest == null) {
            throw new IOException("no guest has address " + Packets.ipToString(guestIp) + " on the network");
        }
        int port = ephemeralPorts.take(p -> {
            TcpFlow f = flows.get(probe.set(guestIp, guestPort, gw.gatewayIp, p));
            return f == null ? EphemeralPorts.Use.FREE : f.isFinished() ? EphemeralPorts.Use.TIME_WAIT : EphemeralPorts.Use.BUSY;
        });
        if (port < 0) {
            throw new IOException("every ephemeral port to " + Packets.ipToString(guestIp) + ":" + guestPort + " is in use");
        }
        TcpFlow inTimeWait = flows.get(probe.set(guestIp, guestPort, gw.gatewayIp, port));
        if (inTimeWait != null) {
            LOG.debug("{}: no free port, ending TIME-WAIT early for a new connection", inTimeWait.key);
            inTimeWait.discard();
        }
        FlowKey key = probe.set(guestIp, guestPort, gw.gatewayIp, port).copy();
        host.configureBlocking(false);
        if (host.getLocalAddress() instanceof InetSocketAddress) {
            host.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        TcpFlow flow = new TcpFlow(this, key, guest.link(), guest.mac(), host, 0, 536, 0, null);
        flows.put(key, flow);
        flow.startActiveOpen(initialToGuest);
    }

    static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException e) {
                LOG.debug("closing host socket", e);
            }
        }
    }

    void remove(TcpFlow flow) {
        flows.remove(flow.key);
    }

    /** Lets {@code flow} send and acknowledge at the end of this loop iteration. */
    void schedule(TcpFlow flow) {
        if (!flow.scheduled) {
            flow.scheduled = true;
            scheduled.add(flow);
        }
    }

    void afterEvents() {
        TcpFlow f;
        while ((f = scheduled.poll()) != null) {
            f.scheduled = false;
            f.pump();
        }
    }

    void onTick(long now) {
        tickScratch.addAll(flows.values());
        for (TcpFlow f : tickScratch) {
            f.onTick(now);
        }
        tickScratch.clear();
    }

    void onLinkClosed(StreamLink link) {
        for (TcpFlow f : new ArrayList<>(flows.values())) {
            if (f.link == link) {
                f.abort(false);
            }
        }
    }

    void closeAll() {
        for (TcpFlow f : new ArrayList<>(flows.values())) {
            f.abort(false);
        }
    }

    /**
     * Writes one segment to the guest. Data comes from {@code ring} at {@code ringOffset}. {@code mssOption}
     * and {@code shiftOption} are put in as options when not negative (SYN-ACK only). False when the
     * link's output is full.
     */
    boolean writeSegment(StreamLink link, long dstMac, int srcIp, int srcPort, int dstIp, int dstPort,
            int seq, int ack, int flags, int window, int mssOption, int shiftOption,
            ByteRing ring, int ringOffset, int dataLen) {
        int optionsLen = (mssOption >= 0 ? 4 : 0) + (shiftOption >= 0 ? 4 : 0);
        int tcpLen = TCP_HEADER + optionsLen + dataLen;
        int frameLen = ETH_HEADER + IP_HEADER + tcpLen;
        int f = link.reserve(frameLen);
        if (f < 0) {
            return false;
        }
        ByteBuffer o = link.out();
        Packets.putEthernet(o, f, dstMac, gw.gatewayMac, Packets.ETHERTYPE_IPV4);
        Packets.putIpv4(o, f + ETH_HEADER, IP_HEADER + tcpLen, Packets.PROTO_TCP, srcIp, dstIp);
        int t = f + ETH_HEADER + IP_HEADER;
        o.putShort(t, (short) srcPort);
        o.putShort(t + 2, (short) dstPort);
        o.putInt(t + 4, seq);
        o.putInt(t + 8, ack);
        o.putShort(t + 12, (short) (((TCP_HEADER + optionsLen) / 4) << 12 | flags));
        o.putShort(t + 14, (short) window);
        o.putInt(t + 16, 0);
        int opt = t + TCP_HEADER;
        if (mssOption >= 0) {
            o.putInt(opt, 0x0204_0000 | mssOption);
            opt += 4;
        }
        if (shiftOption >= 0) {
            o.putInt(opt, 0x0103_0300 | shiftOption);
        }
        if (dataLen > 0) {
            ring.copyTo(ringOffset, dataLen, o, t + TCP_HEADER + optionsLen);
        }
        long sum = Checksum.add(o, t, tcpLen, Checksum.pseudoHeader(srcIp, dstIp, Packets.PROTO_TCP, tcpLen));
        o.putShort(t + 16, (short) Checksum.finish(sum));
        link.commit(frameLen);
        return true;
    }
}
