package dev.berth.net;

import static dev.berth.net.testing.Frames.GUEST_IP;
import static dev.berth.net.testing.Frames.HOST_ALIAS_IP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.testing.EmbeddedNetwork;
import dev.berth.net.testing.Frames;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The UDP NAT's idle timer, on virtual time. */
class UdpNatTest {

  private static final Duration IDLE = Duration.ofSeconds(90);

  @Test
  void aFlowIsForgottenOnceIdleForItsTimeoutAndKeptWhileInUse() throws Exception {
    try (EmbeddedNetwork guest =
            EmbeddedNetwork.start(
                NetworkConfig.gvproxyDefaults()
                    .withOutboundAllowed(a -> a.getAddress().isLoopbackAddress()));
        DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      host.setSoTimeout(5000);
      assertThat(guest.net().config().udpIdleTimeout()).isEqualTo(IDLE);
      byte[] msg = "still here".getBytes(StandardCharsets.US_ASCII);
      guest.send(Frames.udp(GUEST_IP, HOST_ALIAS_IP, 41000, host.getLocalPort(), msg));
      host.receive(new DatagramPacket(new byte[64], 64));
      guest.advance(IDLE.minusSeconds(10));
      guest.send(Frames.udp(GUEST_IP, HOST_ALIAS_IP, 41000, host.getLocalPort(), msg));
      host.receive(new DatagramPacket(new byte[64], 64));
      guest.advance(IDLE.minusSeconds(10));
      assertThat(guest.net().stats().udpFlows()).isEqualTo(1);
      guest.advance(Duration.ofSeconds(11));
      assertThat(guest.net().stats().udpFlows()).isZero();
    }
  }
}
