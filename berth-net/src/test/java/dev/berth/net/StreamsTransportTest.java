package dev.berth.net;

import static dev.berth.net.testing.Frames.GATEWAY_IP;
import static dev.berth.net.testing.Frames.GUEST_IP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.testing.Frames;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A guest on a pair of streams, as {@code -listen-stdio} attaches one: 2-byte little-endian
 * framing, no handshake.
 */
class StreamsTransportTest {

  private VirtualNetwork net;
  private PipedOutputStream toNetwork;
  private DataInputStream fromNetwork;
  private CompletableFuture<Void> ended;

  @BeforeEach
  void start() throws Exception {
    net = VirtualNetwork.start(NetworkConfig.gvproxyDefaults());
    toNetwork = new PipedOutputStream();
    PipedInputStream networkIn = new PipedInputStream(toNetwork, 1 << 20);
    PipedInputStream guestIn = new PipedInputStream(1 << 20);
    fromNetwork = new DataInputStream(guestIn);
    ended = net.attachStreams(networkIn, new PipedOutputStream(guestIn), Framing.LENGTH16_LE);
  }

  @AfterEach
  void stop() {
    net.close();
  }

  private static void sendFrame(OutputStream out, byte[] frame) throws IOException {
    out.write(ByteBuffer.allocate(2).putShort(Short.reverseBytes((short) frame.length)).array());
    out.write(frame);
    out.flush();
  }

  private Frames.Parsed receiveFrame() throws IOException {
    byte[] frame = new byte[Short.reverseBytes(fromNetwork.readShort()) & 0xffff];
    fromNetwork.readFully(frame);
    return Frames.Parsed.of(frame);
  }

  private void assertTheGatewayAnswersArp() throws IOException {
    sendFrame(toNetwork, Frames.arpRequest(GUEST_IP, GATEWAY_IP));
    Frames.Parsed reply = receiveFrame();
    assertThat(reply.ethType()).isEqualTo(0x0806);
    ByteBuffer b = reply.b();
    assertThat(b.getShort(14 + 6)).as("ARP reply").isEqualTo((short) 2);
    assertThat(b.getInt(14 + 8) & 0xffffffffL).isEqualTo(Frames.GATEWAY_MAC >>> 16);
    assertThat(b.getInt(14 + 14)).isEqualTo(GATEWAY_IP);
    assertThat(b.getInt(14 + 24)).isEqualTo(GUEST_IP);
  }

  @Test
  void anArpRequestForTheGatewayIsAnswered() throws Exception {
    assertTheGatewayAnswersArp();
    assertThat(net.stats().links()).isEqualTo(1);
  }

  @Test
  void aFrameLongerThanTheMtuAllowsIsDroppedAndCountedAndTheLinkKeepsWorking() throws Exception {
    sendFrame(toNetwork, new byte[9000]);
    assertTheGatewayAnswersArp();
    assertThat(net.stats().framesDroppedSize()).isEqualTo(1);
  }

  @Test
  void theEndOfTheInputEndsTheLinkCleanly() throws Exception {
    assertTheGatewayAnswersArp();
    toNetwork.close();
    ended.get(5, TimeUnit.SECONDS);
    assertThat(net.stats().links()).isZero();
  }
}
