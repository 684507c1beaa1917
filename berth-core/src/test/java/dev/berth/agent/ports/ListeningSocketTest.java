package dev.berth.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Lines of the guest's {@code /proc/net} files, real and hostile. */
class ListeningSocketTest {

  private static ListeningSocket socket(String protocol, String address, int port)
      throws Exception {
    return new ListeningSocket(protocol, InetAddress.getByName(address), port);
  }

  @Test
  void listeningTcpSocketsOfBothFamiliesAreRead() throws Exception {
    assertThat(ListeningSocket.parse(ProcNetSamples.TCP_SSHD))
        .contains(socket("tcp", "0.0.0.0", 22));
    assertThat(ListeningSocket.parse(ProcNetSamples.TCP_RESOLVED))
        .contains(socket("tcp", "127.0.0.53", 53));
    assertThat(ListeningSocket.parse(ProcNetSamples.TCP6_HTTPD))
        .contains(socket("tcp", "::", 8123));
    assertThat(ListeningSocket.parse(ProcNetSamples.TCP6_LOOPBACK))
        .contains(socket("tcp", "::1", 8080));
    assertThat(ListeningSocket.parse(ProcNetSamples.TCP6_MAPPED_GUEST))
        .contains(socket("tcp", "192.168.127.2", 8081));
  }

  @Test
  void unconnectedUdpSocketsAreRead_connectedOnesAreNot() throws Exception {
    assertThat(ListeningSocket.parse(ProcNetSamples.UDP_ECHO))
        .contains(socket("udp", "0.0.0.0", 9999));
    assertThat(ListeningSocket.parse(ProcNetSamples.UDP6_MDNS)).contains(socket("udp", "::", 5353));
    assertThat(ListeningSocket.parse(ProcNetSamples.UDP_CONNECTED)).isEmpty();
  }

  @Test
  void connectionsAndOtherStatesAreNoListeners() {
    assertThat(ListeningSocket.parse(ProcNetSamples.TCP_ESTABLISHED)).isEmpty();
    assertThat(ListeningSocket.parse("tcp 3: 00000000:1F90 00000000:0000 07 00000000:00000000 0 0"))
        .as("a TCP socket bound but not listening")
        .isEmpty();
  }

  @Test
  void garbageIsNoSocket() {
    for (String line :
        new String[] {
          "",
          "END",
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid",
          "tcp 0: 00000000:0016 00000000:0000", // cut short
          "sctp 0: 00000000:0016 00000000:0000 0A",
          "tcp 0: 0000000000000000000000000000000:0016 00000000:0000 0A", // IPv6 in an IPv4 file
          "tcp6 0: 00000000:0016 00000000:0000 0A", // IPv4 in an IPv6 file
          "tcp 0: 0000000G:0016 00000000:0000 0A",
          "tcp 0: 00000000:00016 00000000:0000 0A", // five-digit port
          "tcp 0: 00000000:0000 00000000:0000 0A", // port 0
          "udp x: 00000000:270F 00000000:0000 07",
          "tcp 0: -0000000:0016 00000000:0000 0A",
        }) {
      assertThat(ListeningSocket.parse(line)).as(line).isEmpty();
    }
  }

  @Test
  void theHighestPortIsRead() throws Exception {
    assertThat(ListeningSocket.parse("udp 1: 00000000:FFFF 00000000:0000 07"))
        .contains(socket("udp", "0.0.0.0", 65535));
  }
}
