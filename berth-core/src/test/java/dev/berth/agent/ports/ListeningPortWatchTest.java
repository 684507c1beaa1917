package dev.berth.agent.ports;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The reporter's life: its snapshots drive the forwards, it is started again when it ends. */
class ListeningPortWatchTest {

  /** Each start of the reporter hands the test the guest's end of a new stream. */
  private final BlockingQueue<PipedOutputStream> guests = new LinkedBlockingQueue<>();

  private InputStream startReporter() throws IOException {
    PipedInputStream in = new PipedInputStream(64 * 1024);
    guests.add(new PipedOutputStream(in));
    return in;
  }

  private PipedOutputStream nextGuest() throws InterruptedException {
    PipedOutputStream guest = guests.poll(30, TimeUnit.SECONDS);
    assertThat(guest).as("the reporter was started").isNotNull();
    return guest;
  }

  private static void send(PipedOutputStream guest, String text) throws IOException {
    guest.write(text.getBytes(StandardCharsets.US_ASCII));
    guest.flush();
  }

  private static void awaitCalls(FakeTarget target, List<String> expected)
      throws InterruptedException {
    for (int i = 0; i < 300 && !target.calls().equals(expected); i++) {
      Thread.sleep(100);
    }
    assertThat(target.calls()).isEqualTo(expected);
  }

  @Test
  void snapshotsDriveTheForwards_aReporterThatEndsIsStartedAgain_closeRemovesTheForwards()
      throws Exception {
    FakeTarget target = new FakeTarget();
    ListeningPortWatch watch =
        new ListeningPortWatch(
            this::startReporter,
            new AutoForwards(
                target, (java.net.Inet4Address) InetAddress.getByName("192.168.127.2"), false));
    watch.start();
    try {
      PipedOutputStream guest = nextGuest();
      send(guest, ProcNetSamples.TCP6_HTTPD + "\n" + ProcNetSamples.UDP_ECHO + "\nEND\n");
      awaitCalls(target, List.of("add tcp 8123", "add udp 9999"));

      guest.close(); // SSH dropped: the forwards stay until a snapshot says otherwise
      PipedOutputStream again = nextGuest();
      send(again, ProcNetSamples.UDP_ECHO + "\nEND\n");
      awaitCalls(target, List.of("add tcp 8123", "add udp 9999", "remove tcp 8123"));
    } finally {
      watch.close();
    }
    assertThat(target.calls())
        .containsExactly("add tcp 8123", "add udp 9999", "remove tcp 8123", "remove udp 9999");
  }
}
