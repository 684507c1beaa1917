package dev.berth.net.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

/** The guest's end of one TCP connection made by hand over a {@link GuestSim}: in-order data, no loss. */
public final class GuestTcp {

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int PSH = 0x08;
    private static final int ACK = 0x10;
    private static final int WINDOW = 65535;

    private final GuestSim guest;
    private final int src;
    private final int port;
    private final int dst;
    private final int dstPort;
    private final Duration timeout;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private int seq = 1_000_000;
    private int ack;

    /** Opens a connection from {@code src:port} to {@code dst:dstPort}; fails unless it is accepted within {@code timeout}. */
    public GuestTcp(GuestSim guest, int src, int port, int dst, int dstPort, Duration timeout) throws Exception {
        this.guest = guest;
        this.src = src;
        this.port = port;
        this.dst = dst;
        this.dstPort = dstPort;
        this.timeout = timeout;
        byte[] mss1460 = {2, 4, 0x05, (byte) 0xb4};
        guest.send(Frames.tcp(src, dst, port, dstPort, seq, 0, SYN, WINDOW, mss1460, new byte[0]));
        Frames.Parsed synAck = guest.expect(timeout, p -> p.isTcp() && p.dstPort() == port);
        if ((synAck.flags() & (SYN | ACK)) != (SYN | ACK)) {
            throw new AssertionError("connection to port " + dstPort + " refused, flags " + synAck.flags());
        }
        seq++;
        ack = synAck.seq() + 1;
        segment(ACK, new byte[0]);
    }

    /** Sends {@code data} in one segment. */
    public void send(byte[] data) throws IOException {
        segment(PSH | ACK, data);
    }

    /** Sends the guest's FIN: it will send nothing more. */
    public void finish() throws IOException {
        segment(FIN | ACK, new byte[0]);
    }

    /** The next {@code n} bytes the other end sent, acknowledging each segment. */
    public byte[] read(int n) throws Exception {
        while (received.size() < n) {
            Frames.Parsed p = guest.expect(timeout, f -> f.isTcp() && f.dstPort() == port && f.payload().length > 0);
            if (p.seq() == ack) {
                received.write(p.payload());
                ack += p.payload().length;
            }
            segment(ACK, new byte[0]);
        }
        byte[] all = received.toByteArray();
        received.reset();
        received.write(all, n, all.length - n);
        return Arrays.copyOf(all, n);
    }

    private void segment(int flags, byte[] data) throws IOException {
        guest.send(Frames.tcp(src, dst, port, dstPort, seq, ack, flags, WINDOW, new byte[0], data));
        seq += data.length + ((flags & FIN) != 0 ? 1 : 0);
    }
}
