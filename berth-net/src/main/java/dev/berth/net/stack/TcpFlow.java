package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_PSH;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;

import java.io.IOException;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One guest TCP connection, terminated here, and its host socket. Bytes from the guest go straight to
 * the host socket when it takes them and into a bounded buffer when it does not; the window offered
 * to the guest is that buffer's free space. Bytes from the host are read only while the send ring has
 * room, and stay there until the guest acknowledges them.
 */
final class TcpFlow implements EventLoop.Handler {

    private static final Logger LOG = LoggerFactory.getLogger(TcpFlow.class);
    static final long RTO_MIN = TimeUnit.MILLISECONDS.toNanos(200);
    static final long RTO_MAX = TimeUnit.SECONDS.toNanos(10);
    static final int MAX_RETRIES = 12;
    /** As Linux's tcp_synack_retries: a handshake the guest does not complete ends after about 6 s. */
    static final int MAX_SYNACK_RETRIES = 5;
    static final long CONNECT_TIMEOUT = TimeUnit.SECONDS.toNanos(30);
    /** Shorter than RFC 793's 2 MSL: long enough to answer a retransmitted FIN, short enough not to pile up. */
    static final long TIME_WAIT = TimeUnit.SECONDS.toNanos(5);

    /** CONNECTING and SYN_RCVD: the guest opened; SYN_SENT: the host side opened (a forward). */
    enum State { CONNECTING, SYN_RCVD, SYN_SENT, ESTABLISHED, TIME_WAIT, CLOSED }

    private final TcpNat nat;
    final FlowKey key;
    final StreamLink link;
    private final long guestMac;
    private final SocketChannel host;
    private final SocketAddress target;
    private SelectionKey hostKey;
    State state = State.CONNECTING;
    private long deadline;
    /** Counted in {@link TcpNat#halfOpen}. */
    private boolean halfOpen;

    // Guest to host.
    private int irs;
    private int rcvNxt;
    private ByteBuffer toHost;
    private int ourShift;
    private boolean guestFin;
    private boolean hostOutputShut;
    private int advertisedEdge;

    // Host to guest.
    private int iss;
    private int sndUna;
    private long sndWnd;
    private int guestShift;
    private boolean scaling;
    private int mss;
    private ByteRing ring;
    private int sentOffset;
    /** The highest {@link #sentOffset} since the last acknowledgement: what the guest may acknowledge after a go-back. */
    private int sentMax;
    /** A FIN went out at some point (it may have to be sent again after a go-back). */
    private boolean finEverSent;
    private boolean hostEof;
    /** In SYN-SENT, the SYN went again right after a RST for a stale connection's ACK (once only). */
    private boolean synResentAfterReset;
    private boolean finSent;
    private boolean finAcked;
    private boolean closedFirst;
    private boolean waitingForBuffer;
    private long rtoDeadline;
    private long rto = RTO_MIN;
    private int retries;
    private int dupAcks;
    private boolean needAck;
    boolean scheduled;
    boolean waiting;
    /** Bytes written to the host socket before any from the guest (a gateway service's PROXY line). */
    byte[] preamble;

    TcpFlow(TcpNat nat, FlowKey key, StreamLink link, long guestMac, SocketChannel host, int guestIsn,
            int guestMss, int guestShift, SocketAddress target) {
        this.nat = nat;
        this.key = key;
        this.link = link;
        this.guestMac = guestMac;
        this.host = host;
        this.target = target;
        this.irs = guestIsn;
        this.rcvNxt = guestIsn + 1;
        this.scaling = guestShift >= 0;
        this.guestShift = scaling ? guestShift : 0;
        int shift = 0;
        while (scaling && (nat.pool.bufferBytes() >> shift) > 0xffff) {
            shift++;
        }
        this.ourShift = shift;
        this.mss = Math.max(64, Math.min(guestMss, nat.gw.mtu - 40));
    }

    private long now() {
        return nat.gw.loop.now();
    }

    void startConnect() {
        nat.halfOpen++;
        halfOpen = true;
        deadline = now() + CONNECT_TIMEOUT;
        try {
            // A loopback connect is usually complete when connect returns: finishing it now saves a loop turn.
            if (host.connect(target) || host.finishConnect()) {
                onConnected();
            } else {
                hostKey = nat.gw.loop.register(host, SelectionKey.OP_CONNECT, this);
            }
        } catch (IOException e) {
            refused(e);
        }
    }

    private void onConnected() throws IOException {
        if (hostKey == null) {
            hostKey = nat.gw.loop.register(host, 0, this);
        } else {
            hostKey.interestOps(0);
        }
        state = State.SYN_RCVD;
        if (preamble != null) {
            toHost = nat.pool.take();
            if (toHost == null) {
                abort(true);
                return;
            }
            toHost.put(preamble);
        }
        iss = ThreadLocalRandom.current().nextInt();
        sndUna = iss;
        sendSynAck();
        rtoDeadline = now() + rto;
    }

    /**
     * Opens the connection towards the guest for a host socket that is already connected (an inbound
     * forward): SYN now, the host socket is read once the guest answered.
     */
    void startActiveOpen(ByteBuffer initialToGuest) throws IOException {
        hostKey = nat.gw.loop.register(host, 0, this);
        state = State.SYN_SENT;
        iss = ThreadLocalRandom.current().nextInt();
        sndUna = iss;
        if (initialToGuest != null && initialToGuest.hasRemaining()) {
            ByteBuffer buffer = nat.pool.take();
            if (buffer == null) {
                abort(false);
                return;
            }
            ring = new ByteRing(buffer);
            ring.write(initialToGuest, initialToGuest.position(), Math.min(initialToGuest.remaining(), ring.free()));
        }
        sendSyn();
        rtoDeadline = now() + rto;
    }

    private void sendSyn() {
        nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                iss, 0, TCP_SYN, Math.min(toHostFree(), 0xffff), nat.gw.mtu - 40, ourShift, null, 0, 0);
    }

    private void onSynAck(ByteBuffer b, int t, int dataOffset, int seq, int ack, int window) {
        if (ack != iss + 1) {
            return;
        }
        int[] options = TcpNat.synOptions(b, t, dataOffset);
        irs = seq;
        rcvNxt = seq + 1;
        scaling = options[1] >= 0;
        guestShift = scaling ? options[1] : 0;
        if (!scaling) {
            ourShift = 0;
        }
        mss = Math.max(64, Math.min(options[0], nat.gw.mtu - 40));
        state = State.ESTABLISHED;
        sndUna = ack;
        // RFC 7323: the window in a segment with SYN is never scaled.
        sndWnd = window;
        rtoDeadline = 0;
        retries = 0;
        rto = RTO_MIN;
        advertisedEdge = rcvNxt + Math.min(toHostFree(), 0xffff);
        updateInterest();
        scheduleAck();
    }

    private void refused(IOException e) {
        LOG.debug("{}: host refused: {}", key, e.toString());
        leaveHalfOpen();
        state = State.CLOSED;
        nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                0, irs + 1, TCP_RST | TCP_ACK, 0, -1, -1, null, 0, 0);
        discard();
    }

    private void leaveHalfOpen() {
        if (halfOpen) {
            halfOpen = false;
            nat.halfOpen--;
        }
    }

    private void sendSynAck() {
        nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                iss, rcvNxt, TCP_SYN | TCP_ACK, Math.min(toHostFree(), 0xffff),
                nat.gw.mtu - 40, scaling ? ourShift : -1, null, 0, 0);
    }

    @Override
    public void onReady(SelectionKey k) throws IOException {
        if (state == State.CONNECTING) {
            if (k.isConnectable()) {
                try {
                    host.finishConnect();
                } catch (IOException e) {
                    refused(e);
                    return;
                }
                onConnected();
            }
            return;
        }
        if (k.isReadable()) {
            readHost();
        }
        if (state == State.ESTABLISHED && k.isValid() && k.isWritable()) {
            writeHost();
        }
    }

    @Override
    public void onFailure(Exception e) {
        LOG.debug("{}: failed: {}", key, e.toString());
        abort(true);
    }

    boolean isFinished() {
        return state == State.TIME_WAIT;
    }

    void onSegment(ByteBuffer b, int t, int len, int dataOffset, int flags) {
        if (state == State.CONNECTING || state == State.CLOSED) {
            return;
        }
        int seq = b.getInt(t + 4);
        int ack = b.getInt(t + 8);
        int window = b.getShort(t + 14) & 0xffff;
        int dataLen = len - dataOffset;
        if (state == State.SYN_SENT) {
            if ((flags & TCP_RST) != 0) {
                if ((flags & TCP_ACK) != 0 && ack == iss + 1) {
                    LOG.debug("{}: guest refused", key);
                    abort(false);
                }
            } else if ((flags & TCP_ACK) != 0 && ack != iss + 1) {
                // RFC 793: an ACK of something never sent gets a RST. It comes from a guest that still holds
                // the connection these ports carried before (its last ACK lost, or in TIME-WAIT and the SYN
                // not acceptable to it). The RST ends that, and the SYN goes again at once to open the new
                // one (once: should the guest answer it the same way, the retransmission timer paces it).
                nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                        ack, 0, TCP_RST, 0, -1, -1, null, 0, 0);
                if (!synResentAfterReset) {
                    synResentAfterReset = true;
                    sendSyn();
                }
            } else if ((flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
                onSynAck(b, t, dataOffset, seq, ack, window);
            }
            return;
        }
        if ((flags & TCP_RST) != 0) {
            int offset = seq - rcvNxt;
            if (offset >= 0 && offset <= Math.max(toHostFree(), 1)) {
                if (guestFin && finAcked) {
                    // Both sides sent all they had, each acknowledged, and the guest's socket is gone (a
                    // segment reached it after its close). What the guest sent is ours to deliver: the flow
                    // ends as it would have, once the host has it.
                    LOG.debug("{}: guest reset after both FINs; the host still gets everything", key);
                    return;
                }
                LOG.debug("{}: guest reset the connection", key);
                abort(false);
            }
            return;
        }
        if ((flags & TCP_SYN) != 0) {
            if (state == State.SYN_RCVD && seq == irs) {
                sendSynAck();
            } else {
                scheduleAck();
            }
            return;
        }
        if ((flags & TCP_ACK) == 0) {
            return;
        }
        if (state == State.SYN_RCVD) {
            if (ack != iss + 1) {
                return;
            }
            state = State.ESTABLISHED;
            leaveHalfOpen();
            sndUna = ack;
            sndWnd = (long) window << guestShift;
            rtoDeadline = 0;
            retries = 0;
            rto = RTO_MIN;
            advertisedEdge = rcvNxt + Math.min(toHostFree(), 0xffff);
            updateInterest();
        } else {
            processAck(ack, window, dataLen);
        }
        if (state == State.CLOSED) {
            return;
        }
        if (dataLen > 0 || (flags & TCP_FIN) != 0) {
            processData(b, t + dataOffset, dataLen, seq, (flags & TCP_FIN) != 0);
        } else if (seq - rcvNxt < 0) {
            // An old sequence number without data: a zero-window probe or a keepalive, which asks for our
            // window as it is now (RFC 793, 3.9). The window update it replaces may have been lost.
            scheduleAck();
        }
        maybeFinish();
    }

    private void processAck(int ack, int window, int dataLen) {
        long wnd = (long) window << guestShift;
        int acknowledgeable = sentMax + (finEverSent ? 1 : 0);
        int acked = ack - sndUna;
        if (acked > 0 && acked <= acknowledgeable) {
            if (finEverSent && acked == acknowledgeable) {
                finAcked = true;
                finSent = true;
                if (sentMax > 0) {
                    ring.consume(sentMax);
                }
                sentOffset = 0;
                sentMax = 0;
            } else {
                ring.consume(acked);
                sentOffset = Math.max(0, sentOffset - acked);
                sentMax -= acked;
            }
            releaseRingIfEmpty();
            sndUna = ack;
            sndWnd = wnd;
            dupAcks = 0;
            retries = 0;
            rto = RTO_MIN;
            rtoDeadline = sentMax > 0 || (finEverSent && !finAcked) ? now() + rto : 0;
            updateInterest();
            nat.schedule(this);
        } else if (acked == 0) {
            retries = 0;
            if (wnd != sndWnd) {
                sndWnd = wnd;
                dupAcks = 0;
                nat.schedule(this);
            } else if (dataLen == 0 && sentOffset > 0 && ++dupAcks == 3) {
                int n = Math.min(mss, sentOffset);
                nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                        sndUna, rcvNxt, TCP_ACK, windowField(), -1, -1, ring, 0, n);
            }
        } else if (acked > acknowledgeable) {
            scheduleAck();
        }
    }

    private void processData(ByteBuffer b, int index, int len, int seq, boolean fin) {
        scheduleAck();
        if (guestFin || state != State.ESTABLISHED) {
            return;
        }
        int already = rcvNxt - seq;
        if (already < 0 || already > len) {
            // Out of order or wholly old: the duplicate ACK tells the guest where we are.
            return;
        }
        int fresh = len - already;
        int accept = Math.min(fresh, toHostFree());
        if (accept == 0 && fresh > 0 && toHost == null) {
            waitForBuffer();
        }
        if (accept > 0) {
            deliver(b, index + already, accept);
            rcvNxt += accept;
        }
        if (fin && accept == fresh) {
            rcvNxt++;
            guestFin = true;
            if (toHost == null) {
                shutdownHostOutput();
            }
        }
    }

    /** Queues guest bytes for the host; they are written once per loop iteration, not once per segment. */
    private void deliver(ByteBuffer b, int index, int n) {
        if (toHost == null) {
            toHost = nat.pool.take();
        }
        toHost.put(toHost.position(), b, index, n);
        toHost.position(toHost.position() + n);
        nat.schedule(this);
    }

    /** What the guest may send: nothing while no buffer can be had for it. */
    private int toHostFree() {
        if (toHost == null) {
            return nat.pool.exhausted() ? 0 : nat.pool.bufferBytes();
        }
        return nat.pool.bufferBytes() - toHost.position();
    }

    /** Waits for a buffer to come back; {@link #onBufferFreed} then reopens the window or the reads. */
    private void waitForBuffer() {
        if (!waitingForBuffer) {
            waitingForBuffer = true;
            nat.waitForBuffer(this);
        }
    }

    /** A buffer came back: true if this connection takes up the turn (it is still open). */
    boolean onBufferFreed() {
        waitingForBuffer = false;
        if (state == State.CLOSED) {
            return false;
        }
        updateInterest();
        scheduleAck();
        return true;
    }

    private void writeHost() {
        try {
            toHost.flip();
            host.write(toHost);
            toHost.compact();
        } catch (IOException e) {
            LOG.debug("{}: host write failed: {}", key, e.toString());
            abort(true);
            return;
        }
        if (toHost.position() == 0) {
            nat.pool.give(toHost);
            toHost = null;
            if (guestFin) {
                shutdownHostOutput();
            }
        }
        updateInterest();
        // Tell the guest its window reopened (RFC 1122 receiver SWS avoidance): at once when what it may
        // still send is small, otherwise once the opening is worth an extra segment.
        int newEdge = rcvNxt + (toHostFree() >> ourShift << ourShift);
        int stillOpen = advertisedEdge - rcvNxt;
        // After the guest's FIN there is nothing left for it to send: no window updates (a guest that has
        // closed answers them with a reset).
        if (!guestFin && newEdge - advertisedEdge >= Math.min(nat.pool.bufferBytes() / 2, Math.max(mss, stillOpen))) {
            scheduleAck();
        }
        maybeFinish();
    }

    private void shutdownHostOutput() {
        if (hostOutputShut) {
            return;
        }
        hostOutputShut = true;
        try {
            host.shutdownOutput();
        } catch (IOException e) {
            LOG.debug("{}: host shutdown failed: {}", key, e.toString());
        }
    }

    private void readHost() {
        if (ring == null) {
            ByteBuffer buffer = nat.pool.take();
            if (buffer == null) {
                waitForBuffer();
                updateInterest();
                return;
            }
            ring = new ByteRing(buffer);
        }
        try {
            while (ring.free() > 0) {
                int n = ring.readFrom(host);
                if (n < 0) {
                    hostEof = true;
                    break;
                }
                if (n == 0) {
                    break;
                }
            }
        } catch (IOException e) {
            LOG.debug("{}: host read failed: {}", key, e.toString());
            abort(true);
            return;
        }
        releaseRingIfEmpty();
        updateInterest();
        nat.schedule(this);
    }

    /** An idle connection holds no buffer: thousands of them cost little memory. */
    private void releaseRingIfEmpty() {
        if (ring != null && ring.size() == 0) {
            nat.pool.give(ring.buffer());
            ring = null;
        }
    }

    private void updateInterest() {
        if (hostKey == null || !hostKey.isValid() || state != State.ESTABLISHED) {
            return;
        }
        int ops = hostKey.interestOps() & SelectionKey.OP_READ;
        // Hysteresis: stop reading when the ring is full, resume when a quarter is free, so that every
        // acknowledgement does not toggle the registration.
        if (hostEof || (ring != null && ring.free() == 0) || (ring == null && waitingForBuffer)) {
            ops = 0;
        } else if (ring == null || ring.free() >= nat.pool.bufferBytes() / 4) {
            ops = SelectionKey.OP_READ;
        }
        if (toHost != null) {
            ops |= SelectionKey.OP_WRITE;
        }
        if (hostKey.interestOps() != ops) {
            hostKey.interestOps(ops);
        }
    }

    private void scheduleAck() {
        needAck = true;
        nat.schedule(this);
    }

    private int windowField() {
        return Math.min(toHostFree() >> ourShift, 0xffff);
    }

    private boolean sendFlags(int seq, int flags) {
        int w = windowField();
        if (!nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                seq, rcvNxt, flags, w, -1, -1, null, 0, 0)) {
            return false;
        }
        advertisedEdge = rcvNxt + (w << ourShift);
        needAck = false;
        return true;
    }

    private boolean sendData(int offset, int n, int size) {
        int w = windowField();
        int flags = TCP_ACK | (offset + n == size ? TCP_PSH : 0);
        if (!nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                sndUna + offset, rcvNxt, flags, w, -1, -1, ring, offset, n)) {
            return false;
        }
        advertisedEdge = rcvNxt + (w << ourShift);
        needAck = false;
        return true;
    }

    /** Sends what the window allows, a FIN when the host is done, and a pending ACK. */
    void pump() {
        if (state != State.ESTABLISHED && state != State.TIME_WAIT) {
            return;
        }
        if (toHost != null && toHost.position() > 0) {
            writeHost();
            if (state == State.CLOSED) {
                return;
            }
        }
        if (state == State.ESTABLISHED) {
            int size = ring == null ? 0 : ring.size();
            while (size > sentOffset) {
                int unsent = size - sentOffset;
                long usable = sndWnd - sentOffset;
                if (usable <= 0) {
                    break;
                }
                int n = (int) Math.min(Math.min(unsent, mss), usable);
                if (n < unsent && n < mss && sentOffset > 0) {
                    break;
                }
                if (!sendData(sentOffset, n, size)) {
                    blocked();
                    return;
                }
                sentOffset += n;
                sentMax = Math.max(sentMax, sentOffset);
                if (rtoDeadline == 0) {
                    rtoDeadline = now() + rto;
                }
            }
            if (hostEof && !finSent && size == sentOffset) {
                if (!sendFlags(sndUna + sentOffset, TCP_FIN | TCP_ACK)) {
                    blocked();
                    return;
                }
                finSent = true;
                finEverSent = true;
                closedFirst |= !guestFin;
                if (rtoDeadline == 0) {
                    rtoDeadline = now() + rto;
                }
            }
            if (sndWnd == 0 && size > 0 && sentOffset == 0 && rtoDeadline == 0) {
                rtoDeadline = now() + rto;
            }
        }
        if (needAck && !sendFlags(seqWithoutData(), TCP_ACK)) {
            blocked();
        }
    }

    /**
     * The sequence number of a segment without data: the next one to send, counting a FIN only until it
     * is acknowledged, but not past the guest's window (as Linux's tcp_acceptable_seq). A guest with a
     * closed window drops a segment beyond it, window update included (RFC 793, 3.3), and a probe byte
     * or an acknowledged FIN would put the number there.
     */
    private int seqWithoutData() {
        int next = sentOffset + (finSent && !finAcked ? 1 : 0);
        return sndUna + (int) Math.min(next, sndWnd);
    }

    private void blocked() {
        if (!waiting) {
            waiting = true;
            link.waiting.add(this);
        }
    }

    void onTick(long now) {
        switch (state) {
            case CONNECTING -> {
                if (now - deadline >= 0) {
                    closeHost();
                    refused(new IOException("connect timed out"));
                }
            }
            case TIME_WAIT -> {
                if (now - deadline >= 0) {
                    discard();
                }
            }
            case SYN_RCVD, SYN_SENT, ESTABLISHED -> {
                if (rtoDeadline != 0 && now - rtoDeadline >= 0) {
                    onRetransmitTimeout(now);
                }
            }
            default -> {
            }
        }
    }

    private void onRetransmitTimeout(long now) {
        boolean handshake = state == State.SYN_RCVD || state == State.SYN_SENT;
        if (++retries > (handshake ? MAX_SYNACK_RETRIES : MAX_RETRIES)) {
            LOG.debug("{}: guest stopped acknowledging", key);
            abort(true);
            return;
        }
        rto = Math.min(rto * 2, RTO_MAX);
        rtoDeadline = now + rto;
        if (state == State.SYN_RCVD) {
            sendSynAck();
        } else if (state == State.SYN_SENT) {
            sendSyn();
        } else if (sndWnd == 0 && ring != null && ring.size() > 0) {
            // Zero-window probe: one byte past the window, so the guest answers with its current window.
            // Every timeout sends one, also after an earlier probe (then sentMax > 0, and going back
            // would send nothing into the closed window): a guest need not announce that its window
            // opened, and a connection without probes would stall until the retries run out.
            if (sendData(0, 1, ring.size())) {
                sentOffset = 1;
                sentMax = Math.max(sentMax, 1);
            }
        } else if (sentMax > 0 || (finEverSent && !finAcked)) {
            // Go back: resend from the oldest unacknowledged byte.
            sentOffset = 0;
            finSent = false;
            dupAcks = 0;
            nat.schedule(this);
        } else {
            rtoDeadline = 0;
        }
    }

    private void maybeFinish() {
        if (state == State.ESTABLISHED && guestFin && hostOutputShut && finAcked) {
            closeHost();
            releaseBuffers();
            if (closedFirst) {
                state = State.TIME_WAIT;
                deadline = now() + TIME_WAIT;
            } else {
                discard();
            }
        }
    }

    /** Ends the flow at once. {@code resetGuest}: send the guest a RST; otherwise reset the host side. */
    void abort(boolean resetGuest) {
        if (state == State.CLOSED) {
            return;
        }
        leaveHalfOpen();
        if (resetGuest && state != State.CONNECTING && state != State.SYN_SENT && state != State.TIME_WAIT) {
            nat.writeSegment(link, guestMac, key.remoteIp, key.remotePort, key.guestIp, key.guestPort,
                    seqWithoutData(), rcvNxt, TCP_RST | TCP_ACK, 0, -1, -1, null, 0, 0);
        }
        if (!resetGuest && host.isOpen()) {
            try {
                host.setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException e) {
                LOG.debug("{}: cannot set linger: {}", key, e.toString());
            }
        }
        closeHost();
        discard();
    }

    private void closeHost() {
        if (hostKey != null) {
            hostKey.cancel();
        }
        TcpNat.closeQuietly(host);
    }

    void discard() {
        leaveHalfOpen();
        state = State.CLOSED;
        closeHost();
        releaseBuffers();
        nat.remove(this);
    }

    private void releaseBuffers() {
        if (toHost != null) {
            nat.pool.give(toHost);
            toHost = null;
        }
        if (ring != null) {
            nat.pool.give(ring.buffer());
            ring = null;
        }
    }
}
