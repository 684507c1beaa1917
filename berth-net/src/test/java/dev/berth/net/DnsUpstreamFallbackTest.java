package dev.berth.net;

import static dev.berth.net.testing.Frames.GATEWAY_IP;
import static dev.berth.net.testing.Frames.GUEST_IP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.NetworkConfig;
import dev.berth.net.testing.EmbeddedNetwork;
import dev.berth.net.testing.Frames;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Queries that leave the network: to the first resolver, the next once it times out, the new list
 * once it changes.
 */
class DnsUpstreamFallbackTest {

  @Test
  void aResolverThatDoesNotAnswerIsSkippedAndAChangedListIsUsed() throws Exception {
    try (DatagramSocket first = resolver();
        DatagramSocket second = resolver();
        DatagramSocket third = resolver()) {
      AtomicReference<List<InetSocketAddress>> servers =
          new AtomicReference<>(List.of(address(first), address(second)));
      try (EmbeddedNetwork guest =
          EmbeddedNetwork.start(
              NetworkConfig.gvproxyDefaults()
                  .withOutboundAllowed(a -> a.getAddress().isLoopbackAddress())
                  .withDnsUpstreams(servers::get))) {
        query(guest, 1);
        assertThat(receivedId(first)).isEqualTo(1);

        guest.advance(Duration.ofSeconds(3)); // the first resolver never answers
        query(guest, 2);
        assertThat(receivedId(second)).isEqualTo(2);

        servers.set(List.of(address(third)));
        query(guest, 3);
        assertThat(receivedId(third)).isEqualTo(3);
      }
    }
  }

  private static void query(EmbeddedNetwork guest, int id) throws Exception {
    guest.send(
        Frames.udp(GUEST_IP, GATEWAY_IP, 40000, 53, Frames.dnsQuery(id, "name.example.com", 1)));
  }

  private static DatagramSocket resolver() throws Exception {
    DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress());
    s.setSoTimeout(5000);
    return s;
  }

  private static InetSocketAddress address(DatagramSocket s) {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
  }

  private static int receivedId(DatagramSocket s) throws Exception {
    DatagramPacket p = new DatagramPacket(new byte[512], 512);
    s.receive(p);
    return (p.getData()[0] & 0xff) << 8 | (p.getData()[1] & 0xff);
  }
}
