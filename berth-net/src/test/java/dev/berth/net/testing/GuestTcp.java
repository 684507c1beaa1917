package dev.berth.net.testing;

import static dev.berth.net.stack.Packets.TCP_ACK;
import static dev.berth.net.stack.Packets.TCP_FIN;
import static dev.berth.net.stack.Packets.TCP_PSH;
import static dev.berth.net.stack.Packets.TCP_SYN;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;

/**
 * The guest's end of one TCP connection made by hand over a {@link GuestSim}: in-order data, no
 * loss.
 */
public final class GuestTcp {

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

  /**
   * Opens a connection from {@code src:port} to {@code dst:dstPort}; fails unless it is accepted
   * within {@code timeout}.
   */
  public GuestTcp(GuestSim guest, int src, int port, int dst, int dstPort, Duration timeout)
      throws Exception {
    this.guest = guest;
    this.src = src;
    this.port = port;
    this.dst = dst;
    this.dstPort = dstPort;
    this.timeout = timeout;
    guest.send(
        Frames.tcp(
            src, dst, port, dstPort, seq, 0, TCP_SYN, WINDOW, Frames.mss1460(), new byte[0]));
    Frames.Parsed synAck = guest.expect(timeout, p -> p.isTcp() && p.dstPort() == port);
    if ((synAck.flags() & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK)) {
      throw new AssertionError(
          "connection to port " + dstPort + " refused, flags " + synAck.flags());
    }
    seq++;
    ack = synAck.seq() + 1;
    segment(TCP_ACK, new byte[0]);
  }

  /** Sends {@code data} in one segment. */
  public void send(byte[] data) throws IOException {
    segment(TCP_PSH | TCP_ACK, data);
  }

  /** Sends the guest's TCP_FIN: it will send nothing more. */
  public void finish() throws IOException {
    segment(TCP_FIN | TCP_ACK, new byte[0]);
  }

  /** The next {@code n} bytes the other end sent, acknowledging each segment. */
  public byte[] read(int n) throws Exception {
    while (received.size() < n) {
      Frames.Parsed p =
          guest.expect(timeout, f -> f.isTcp() && f.dstPort() == port && f.payload().length > 0);
      if (p.seq() == ack) {
        received.write(p.payload());
        ack += p.payload().length;
      }
      segment(TCP_ACK, new byte[0]);
    }
    byte[] all = received.toByteArray();
    received.reset();
    received.write(all, n, all.length - n);
    return Arrays.copyOf(all, n);
  }

  private void segment(int flags, byte[] data) throws IOException {
    guest.send(Frames.tcp(src, dst, port, dstPort, seq, ack, flags, WINDOW, new byte[0], data));
    seq += data.length + ((flags & TCP_FIN) != 0 ? 1 : 0);
  }
}
