package dev.berth.net.stack;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_PSH;
import static dev.berth.net.stack.Packets.TCP_RST;
import static dev.berth.net.stack.Packets.TCP_SYN;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP state machine of one guest connection, terminated here, with no socket of its own: segments
 * from the guest come in with {@link #onSegment}, segments to it go out through {@link Guest}, the bytes
 * live on the {@link Host} side, and timers read the {@link Clock} on {@link #onTick}. The window
 * offered to the guest is the host side's free space; host bytes stay there until the guest
 * acknowledges them.
 */
final class TcpConnection {

    private static final Logger LOG = LoggerFactory.getLogger(TcpConnection.class);
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

    /** The host's end: where the guest's bytes go and the guest's come from. */
    interface Host {
        /** The size of one buffer: the most bytes in flight each way. */
        int bufferBytes();

        /** Bytes the guest may send now: nothing while no buffer can be had for them. */
        int free();

        /** Takes {@code n} of the guest's bytes, at most {@link #free}, for the host. */
        void deliver(ByteBuffer b, int index, int n);

        /** The guest's bytes found no room: {@link #onRoom} once there is. */
        void starved();

        /** Writes the guest's bytes taken so far; may end the connection. */
        void flush();

        /** The guest sent FIN: the host's input ends once it has every byte. */
        void endInput();

        /** The host's input ended (after {@link #endInput}, every byte written). */
        boolean inputEnded();

        /** The host's bytes for the guest, oldest first; null while none are held. */
        ByteRing toGuest();

        /** The guest acknowledged the first {@code n} bytes of {@link #toGuest}. */
        void acknowledged(int n);

        /** The host sent all it will: no more bytes come after those in {@link #toGuest}. */
        boolean finished();

        /** The host's end accepted the connection: takes what it needs first; false when it cannot. */
        boolean prepared();

        /** The handshake with the guest completed: the host's bytes may flow. */
        void established();

        /** Lets the host's end go (once the connection no longer needs it); {@code reset}: abortively. */
        void close(boolean reset);
    }

    /** The guest's end: the link its segments go over and the NAT that keeps the connection. */
    interface Guest {
        /** Sends {@code segment}; false when the link's output is full. */
        boolean send(TcpSegment segment);

        /** Asks for a {@link #pump} at the end of this loop iteration. */
        void schedule();

        /** The output was full: {@link #pump} again once it has room. */
        void blocked();

        /** The connection is no longer half-open (established or gone). */
        void leftHalfOpen();

        /** The connection holds the host's end no longer (in TIME-WAIT or closed). */
        void released();

        /** The connection is closed: forget it. */
        void closed();
    }

    final FlowKey key;
    private final Host host;
    private final Guest guest;
    private final Clock clock;
    private final int maxSegment;
    State state = State.CONNECTING;
    private long deadline;
    private boolean halfOpen;
    private boolean released;

    // Guest to host.
    private int irs;
    private int rcvNxt;
    private int ourShift;
    private boolean guestFin;
    private int advertisedEdge;

    // Host to guest.
    private int iss;
    private int sndUna;
    private long sndWnd;
    private int guestShift;
    private boolean scaling;
    private int mss;
    private int sentOffset;
    /** The highest {@link #sentOffset} since the last acknowledgement: what the guest may acknowledge after a go-back. */
    private int sentMax;
    /** A FIN went out at some point (it may have to be sent again after a go-back). */
    private boolean finEverSent;
    /** In SYN-SENT, the SYN went again right after a RST for a stale connection's ACK (once only). */
    private boolean synResentAfterReset;
    private boolean finSent;
    private boolean finAcked;
    private boolean closedFirst;
    private long rtoDeadline;
    private long rto = RTO_MIN;
    private int retries;
    private int dupAcks;
    private boolean needAck;

    /**
     * {@code guestIsn}, {@code guestMss}, {@code guestShift}: from the guest's SYN (shift -1: no window
     * scaling); {@code mtu}: the link's, which bounds the segments both ways.
     */
    TcpConnection(FlowKey key, Host host, Guest guest, Clock clock, int mtu, int guestIsn, int guestMss,
            int guestShift) {
        this.key = key;
        this.host = host;
        this.guest = guest;
        this.clock = clock;
        this.maxSegment = mtu - 40;
        this.irs = guestIsn;
        this.rcvNxt = guestIsn + 1;
        this.scaling = guestShift >= 0;
        this.guestShift = scaling ? guestShift : 0;
        int shift = 0;
        while (scaling && (host.bufferBytes() >> shift) > 0xffff) {
            shift++;
        }
        this.ourShift = shift;
        this.mss = Math.max(64, Math.min(guestMss, maxSegment));
    }

    /** The guest sent a SYN and the host is being dialled: SYN-ACK once it answers, RST if it refuses. */
    void startPassiveOpen() {
        halfOpen = true;
        deadline = clock.nanos() + CONNECT_TIMEOUT;
    }

    /** The host accepted the connection the guest asked for. */
    void onHostConnected() {
        state = State.SYN_RCVD;
        if (!host.prepared()) {
            abort(true);
            return;
        }
        iss = ThreadLocalRandom.current().nextInt();
        sndUna = iss;
        sendSynAck();
        rtoDeadline = clock.nanos() + rto;
    }

    /** The host refused the connection the guest asked for: the guest gets a RST. */
    void onHostRefused(IOException e) {
        LOG.debug("{}: host refused: {}", key, e.toString());
        leaveHalfOpen();
        state = State.CLOSED;
        send(TcpSegment.toGuest(key).ack(irs + 1).flags(TCP_RST | TCP_ACK));
        discard();
    }

    /** The host's end is connected already (an inbound forward): SYN now; its bytes flow once the guest answered. */
    void startActiveOpen() {
        state = State.SYN_SENT;
        iss = ThreadLocalRandom.current().nextInt();
        sndUna = iss;
        sendSyn();
        rtoDeadline = clock.nanos() + rto;
    }

    private void sendSyn() {
        send(TcpSegment.toGuest(key).seq(iss).flags(TCP_SYN).window(Math.min(host.free(), 0xffff))
                .synOptions(maxSegment, ourShift));
    }

    private void sendSynAck() {
        send(TcpSegment.toGuest(key).seq(iss).ack(rcvNxt).flags(TCP_SYN | TCP_ACK)
                .window(Math.min(host.free(), 0xffff)).synOptions(maxSegment, scaling ? ourShift : -1));
    }

    private boolean send(TcpSegment segment) {
        return guest.send(segment);
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
        mss = Math.max(64, Math.min(options[0], maxSegment));
        state = State.ESTABLISHED;
        sndUna = ack;
        // RFC 7323: the window in a segment with SYN is never scaled.
        sndWnd = window;
        rtoDeadline = 0;
        retries = 0;
        rto = RTO_MIN;
        advertisedEdge = rcvNxt + Math.min(host.free(), 0xffff);
        host.established();
        scheduleAck();
    }

    private void leaveHalfOpen() {
        if (halfOpen) {
            halfOpen = false;
            guest.leftHalfOpen();
        }
    }

    boolean isFinished() {
        return state == State.TIME_WAIT;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    /** One segment from the guest: the TCP header at {@code t}, {@code len} bytes with the data. */
    void onSegment(ByteBuffer b, int t, int len, int dataOffset, int flags) {
        if (state == State.CONNECTING || state == State.CLOSED) {
            return;
        }
        int seq = b.getInt(t + 4);
        int ack = b.getInt(t + 8);
        int window = b.getShort(t + 14) & 0xffff;
        int dataLen = len - dataOffset;
        if (state == State.SYN_SENT) {
            onSegmentInSynSent(b, t, dataOffset, flags, seq, ack, window);
            return;
        }
        if ((flags & TCP_RST) != 0) {
            int offset = seq - rcvNxt;
            if (offset >= 0 && offset <= Math.max(host.free(), 1)) {
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
            advertisedEdge = rcvNxt + Math.min(host.free(), 0xffff);
            host.established();
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

    private void onSegmentInSynSent(ByteBuffer b, int t, int dataOffset, int flags, int seq, int ack, int window) {
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
            send(TcpSegment.toGuest(key).seq(ack).flags(TCP_RST));
            if (!synResentAfterReset) {
                synResentAfterReset = true;
                sendSyn();
            }
        } else if ((flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK)) {
            onSynAck(b, t, dataOffset, seq, ack, window);
        }
    }

    private void processAck(int ack, int window, int dataLen) {
        long wnd = (long) window << guestShift;
        int acknowledgeable = sentMax + (finEverSent ? 1 : 0);
        int acked = ack - sndUna;
        if (acked > 0 && acked <= acknowledgeable) {
            if (finEverSent && acked == acknowledgeable) {
                finAcked = true;
                finSent = true;
                host.acknowledged(sentMax);
                sentOffset = 0;
                sentMax = 0;
            } else {
                host.acknowledged(acked);
                sentOffset = Math.max(0, sentOffset - acked);
                sentMax -= acked;
            }
            sndUna = ack;
            sndWnd = wnd;
            dupAcks = 0;
            retries = 0;
            rto = RTO_MIN;
            rtoDeadline = sentMax > 0 || (finEverSent && !finAcked) ? clock.nanos() + rto : 0;
            guest.schedule();
        } else if (acked == 0) {
            retries = 0;
            if (wnd != sndWnd) {
                sndWnd = wnd;
                dupAcks = 0;
                guest.schedule();
            } else if (dataLen == 0 && sentOffset > 0 && ++dupAcks == 3) {
                send(TcpSegment.toGuest(key).seq(sndUna).ack(rcvNxt).flags(TCP_ACK).window(windowField())
                        .data(host.toGuest(), 0, Math.min(mss, sentOffset)));
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
        int accept = Math.min(fresh, host.free());
        if (accept == 0 && fresh > 0) {
            host.starved();
        }
        if (accept > 0) {
            host.deliver(b, index + already, accept);
            rcvNxt += accept;
            guest.schedule();
        }
        if (fin && accept == fresh) {
            rcvNxt++;
            guestFin = true;
            host.endInput();
        }
    }

    /** The host side has room again (a buffer came back): the guest hears of the window. */
    void onRoom() {
        scheduleAck();
    }

    /** The host took some of the guest's bytes: the window may have reopened, the connection may be done. */
    void onHostWrote() {
        // Tell the guest its window reopened (RFC 1122 receiver SWS avoidance): at once when what it may
        // still send is small, otherwise once the opening is worth an extra segment.
        int newEdge = rcvNxt + (host.free() >> ourShift << ourShift);
        int stillOpen = advertisedEdge - rcvNxt;
        // After the guest's FIN there is nothing left for it to send: no window updates (a guest that has
        // closed answers them with a reset).
        if (!guestFin && newEdge - advertisedEdge >= Math.min(host.bufferBytes() / 2, Math.max(mss, stillOpen))) {
            scheduleAck();
        }
        maybeFinish();
    }

    /** The host has bytes for the guest, or said it has no more. */
    void onHostRead() {
        guest.schedule();
    }

    private void scheduleAck() {
        needAck = true;
        guest.schedule();
    }

    private int windowField() {
        return Math.min(host.free() >> ourShift, 0xffff);
    }

    private boolean sendFlags(int seq, int flags) {
        int w = windowField();
        if (!send(TcpSegment.toGuest(key).seq(seq).ack(rcvNxt).flags(flags).window(w))) {
            return false;
        }
        advertisedEdge = rcvNxt + (w << ourShift);
        needAck = false;
        return true;
    }

    private boolean sendData(int offset, int n, int size) {
        int w = windowField();
        int flags = TCP_ACK | (offset + n == size ? TCP_PSH : 0);
        if (!send(TcpSegment.toGuest(key).seq(sndUna + offset).ack(rcvNxt).flags(flags).window(w)
                .data(host.toGuest(), offset, n))) {
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
        host.flush();
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.ESTABLISHED && !sendWhatTheWindowAllows()) {
            guest.blocked();
            return;
        }
        if (needAck && !sendFlags(seqWithoutData(), TCP_ACK)) {
            guest.blocked();
        }
    }

    /** Data, then a FIN once the host is done; false when the output was full. */
    private boolean sendWhatTheWindowAllows() {
        ByteRing ring = host.toGuest();
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
                return false;
            }
            sentOffset += n;
            sentMax = Math.max(sentMax, sentOffset);
            startRetransmitTimer();
        }
        if (host.finished() && !finSent && size == sentOffset) {
            if (!sendFlags(sndUna + sentOffset, TCP_FIN | TCP_ACK)) {
                return false;
            }
            finSent = true;
            finEverSent = true;
            closedFirst |= !guestFin;
            startRetransmitTimer();
        }
        if (sndWnd == 0 && size > 0 && sentOffset == 0) {
            startRetransmitTimer();
        }
        return true;
    }

    private void startRetransmitTimer() {
        if (rtoDeadline == 0) {
            rtoDeadline = clock.nanos() + rto;
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

    /** Runs the timers due at {@code now}: connect timeout, TIME-WAIT, retransmission. */
    void onTick(long now) {
        switch (state) {
            case CONNECTING -> {
                if (now - deadline >= 0) {
                    host.close(false);
                    onHostRefused(new IOException("connect timed out"));
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
        ByteRing ring = host.toGuest();
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
            guest.schedule();
        } else {
            rtoDeadline = 0;
        }
    }

    private void maybeFinish() {
        if (state == State.ESTABLISHED && guestFin && host.inputEnded() && finAcked) {
            releaseHost(false);
            if (closedFirst) {
                state = State.TIME_WAIT;
                deadline = clock.nanos() + TIME_WAIT;
            } else {
                discard();
            }
        }
    }

    /** Ends the connection at once. {@code resetGuest}: send the guest a RST; otherwise reset the host's end. */
    void abort(boolean resetGuest) {
        if (state == State.CLOSED) {
            return;
        }
        leaveHalfOpen();
        if (resetGuest && state != State.CONNECTING && state != State.SYN_SENT && state != State.TIME_WAIT) {
            send(TcpSegment.toGuest(key).seq(seqWithoutData()).ack(rcvNxt).flags(TCP_RST | TCP_ACK));
        }
        releaseHost(!resetGuest);
        discard();
    }

    private void releaseHost(boolean reset) {
        host.close(reset);
        if (!released) {
            released = true;
            guest.released();
        }
    }

    /** Forgets the connection, whatever its state. */
    void discard() {
        leaveHalfOpen();
        state = State.CLOSED;
        releaseHost(false);
        guest.closed();
    }
}
