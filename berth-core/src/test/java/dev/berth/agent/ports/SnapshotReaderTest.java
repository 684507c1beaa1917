package dev.berth.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The reporter's stream, as the guest sends it or as a hostile guest might. */
class SnapshotReaderTest {

  private static SnapshotReader reader(String text) {
    return new SnapshotReader(new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void snapshotsAreSplitAtEnd() throws Exception {
    SnapshotReader reader =
        reader(
            ProcNetSamples.TCP_SSHD
                + "\n"
                + ProcNetSamples.UDP_ECHO
                + "\nEND\n"
                + "END\n"
                + ProcNetSamples.TCP6_HTTPD
                + "\n");
    SnapshotReader.Snapshot first = reader.next();
    assertThat(first.sockets())
        .containsExactly(
            new ListeningSocket("tcp", InetAddress.getByName("0.0.0.0"), 22),
            new ListeningSocket("udp", InetAddress.getByName("0.0.0.0"), 9999));
    assertThat(first.cut()).isFalse();
    assertThat(first.rejectedLines()).isZero();
    assertThat(reader.next().sockets()).as("an empty snapshot").isEmpty();
    assertThat(reader.next()).as("a snapshot the stream cut short is no snapshot").isNull();
  }

  @Test
  void connectionsAreNoRejectsButGarbageIs() throws Exception {
    SnapshotReader.Snapshot s =
        reader(ProcNetSamples.TCP_ESTABLISHED + "\nrm -rf /\n\u0000\u0001\nEND\n").next();
    assertThat(s.sockets()).isEmpty();
    assertThat(s.rejectedLines()).isEqualTo(2);
  }

  @Test
  void anOverlongLineIsDroppedWithoutBeingKept() throws Exception {
    String huge = ProcNetSamples.TCP_SSHD + " " + "9".repeat(10 * SnapshotReader.MAX_LINE_BYTES);
    SnapshotReader.Snapshot s = reader(huge + "\n" + ProcNetSamples.UDP_ECHO + "\nEND\n").next();
    assertThat(s.sockets()).extracting(ListeningSocket::port).containsExactly(9999);
    assertThat(s.rejectedLines()).isEqualTo(1);
  }

  @Test
  void aSnapshotKeepsAtMostTheBoundAndSkipsTheRestToItsEnd() throws IOException {
    StringBuilder text = new StringBuilder();
    for (int port = 1; port <= SnapshotReader.MAX_SOCKETS + 100; port++) {
      text.append(String.format("tcp %d: 00000000:%04X 00000000:0000 0A\n", port, port));
    }
    text.append("END\n").append(ProcNetSamples.UDP_ECHO).append("\nEND\n");
    SnapshotReader reader = reader(text.toString());
    SnapshotReader.Snapshot first = reader.next();
    assertThat(first.sockets()).hasSize(SnapshotReader.MAX_SOCKETS);
    assertThat(first.cut()).isTrue();
    assertThat(reader.next().sockets()).extracting(ListeningSocket::port).containsExactly(9999);
  }

  @Test
  void endlessGarbageWithoutEndIsReadButNotKept() throws IOException {
    String line = "x".repeat(100) + "\n";
    SnapshotReader.Snapshot s = reader(line.repeat(SnapshotReader.MAX_LINES * 2) + "END\n").next();
    assertThat(s.sockets()).isEmpty();
    assertThat(s.cut()).isTrue();
    assertThat(s.rejectedLines()).isEqualTo(SnapshotReader.MAX_LINES);
  }
}
