package dev.berth.net.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS at the gateway. Names in the local zones ({@code containers.internal.} and {@code docker.internal.}
 * by default) are answered here; every other query travels through the UDP NAT to the host's resolver.
 */
final class DnsServer {

    private static final Logger LOG = LoggerFactory.getLogger(DnsServer.class);
    static final int PORT = 53;
    private static final int TYPE_A = 1;
    private static final int RCODE_NXDOMAIN = 3;

    private final Gateway gw;
    private final InetSocketAddress upstream;
    /** Zone name (lower case, with the trailing dot) to its names (the label before the zone) and addresses. */
    private final Map<String, Map<String, Integer>> zones;
    private final ByteBuffer reply = ByteBuffer.allocate(512);

    DnsServer(Gateway gw) {
        this.gw = gw;
        this.upstream = gw.config.dnsUpstream() != null ? gw.config.dnsUpstream() : hostResolver();
        Map<String, Integer> names = Map.of("gateway", gw.gatewayIp, "host", gw.hostAliasIp);
        zones = Map.of("containers.internal.", names, "docker.internal.", names);
    }

    InetSocketAddress upstream() {
        return upstream;
    }

    /** The first nameserver of the host's /etc/resolv.conf. */
    private static InetSocketAddress hostResolver() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/resolv.conf"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length >= 2 && f[0].equals("nameserver")) {
                    return new InetSocketAddress(InetAddress.getByName(f[1]), PORT);
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read the host's resolver from /etc/resolv.conf: {}", e.toString());
        }
        LOG.warn("no nameserver in /etc/resolv.conf: names outside the local zones will not resolve");
        return null;
    }

    void onQuery(StreamLink link, long mac, int src, int srcPort, ByteBuffer b, int off, int len) {
        if (len < 12 || (b.get(off + 2) & 0x80) != 0 || (b.getShort(off + 4) & 0xffff) != 1) {
            gw.stats.framesDroppedInvalid++;
            return;
        }
        int end = off + len;
        StringBuilder name = new StringBuilder();
        int p = off + 12;
        while (true) {
            if (p >= end) {
                gw.stats.framesDroppedInvalid++;
                return;
            }
            int labelLen = b.get(p) & 0xff;
            p++;
            if (labelLen == 0) {
                break;
            }
            if (labelLen > 63 || p + labelLen > end || name.length() > 255) {
                gw.stats.framesDroppedInvalid++;
                return;
            }
            for (int i = 0; i < labelLen; i++) {
                name.append((char) (b.get(p + i) & 0xff));
            }
            name.append('.');
            p += labelLen;
        }
        if (p + 4 > end) {
            gw.stats.framesDroppedInvalid++;
            return;
        }
        int questionEnd = p + 4;
        int qtype = b.getShort(p) & 0xffff;
        String fqdn = name.toString().toLowerCase(Locale.ROOT);
        Integer answer = null;
        boolean local = false;
        for (Map.Entry<String, Map<String, Integer>> zone : zones.entrySet()) {
            String suffix = "." + zone.getKey();
            if (fqdn.endsWith(suffix)) {
                local = true;
                answer = zone.getValue().get(fqdn.substring(0, fqdn.length() - suffix.length()));
                break;
            }
        }
        if (!local) {
            gw.udp.onDatagram(link, mac, src, srcPort, gw.gatewayIp, PORT, b, off, len);
            return;
        }
        int rcode = answer == null ? RCODE_NXDOMAIN : 0;
        boolean withAnswer = answer != null && qtype == TYPE_A;
        ByteBuffer r = reply.clear();
        int questionLen = questionEnd - (off + 12);
        if (12 + questionLen + 16 > r.capacity()) {
            return;
        }
        r.putShort(b.getShort(off));
        int rd = b.get(off + 2) & 0x01;
        r.put((byte) (0x84 | rd | (b.get(off + 2) & 0x78)));
        r.put((byte) (0x80 | rcode));
        r.putShort((short) 1).putShort((short) (withAnswer ? 1 : 0)).putShort((short) 0).putShort((short) 0);
        r.put(r.position(), b, off + 12, questionLen);
        r.position(r.position() + questionLen);
        if (withAnswer) {
            r.putShort((short) 0xc00c).putShort((short) TYPE_A).putShort((short) 1).putInt(0);
            r.putShort((short) 4).putInt(answer);
        }
        gw.sendUdp(link, mac, gw.gatewayIp, PORT, src, srcPort, r, 0, r.position());
    }
}
