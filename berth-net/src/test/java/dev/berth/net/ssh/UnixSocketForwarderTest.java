package dev.berth.net.ssh;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketForwarderTest {

  @TempDir Path dir;

  private final List<Duration> pauses = new ArrayList<>();

  /** Virtual time: pauses advance it, and so may a fake source's attempts. */
  private final AtomicLong nanos = new AtomicLong();

  private UnixSocketForwarder forwarder;

  @AfterEach
  void close() {
    if (forwarder != null) {
      forwarder.close();
    }
  }

  private UnixSocketForwarder start(ForwardSession.Source source) throws IOException {
    forwarder =
        UnixSocketForwarder.start(
            dir.resolve("api.sock"),
            "/run/podman/podman.sock",
            "core@guest:22",
            source,
            new UnixSocketForwarder.Pause() {
              @Override
              public void pause(Duration d) {
                synchronized (pauses) {
                  pauses.add(d);
                }
                nanos.addAndGet(d.toNanos());
              }

              @Override
              public long nanos() {
                return nanos.get();
              }
            });
    return forwarder;
  }

  @Test
  void aSessionIsRetriedWithDoublingBackoffThenSharedByLaterConnections() throws Exception {
    FakeSession session = new FakeSession();
    AtomicInteger calls = new AtomicInteger();
    start(
        () -> {
          if (calls.incrementAndGet() <= 5) {
            throw new IOException("connection refused");
          }
          return session;
        });

    forwarder.open().close();
    forwarder.open().close();

    assertThat(calls).hasValue(6);
    assertThat(pauses)
        .containsExactly(
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(400),
            Duration.ofMillis(800),
            Duration.ofSeconds(1));
    assertThat(session.opened)
        .containsExactly("/run/podman/podman.sock", "/run/podman/podman.sock");
  }

  @Test
  void afterEveryAttemptFailsTheConnectionFailsAndTheNextStartsAfresh() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    start(
        () -> {
          calls.incrementAndGet();
          throw new IOException("connection refused");
        });

    assertThatThrownBy(forwarder::open)
        .isInstanceOf(IOException.class)
        .hasMessage("no SSH session to core@guest:22 after 60 attempts: connection refused")
        .hasCauseInstanceOf(IOException.class);
    assertThat(calls).hasValue(UnixSocketForwarder.CONNECT_ATTEMPTS);
    assertThat(pauses).allMatch(d -> d.compareTo(Duration.ofSeconds(1)) <= 0);

    assertThatThrownBy(forwarder::open).isInstanceOf(IOException.class);
    assertThat(calls).hasValue(2 * UnixSocketForwarder.CONNECT_ATTEMPTS);
  }

  @Test
  void attemptsThatEachHangUntilTheirOwnTimeoutStopAtTheOverallDeadline() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    start(
        () -> {
          calls.incrementAndGet();
          nanos.addAndGet(
              Duration.ofSeconds(20).toNanos()); // a connect that hangs until its timeout
          throw new IOException("connect timed out");
        });

    assertThatThrownBy(forwarder::open)
        .isInstanceOf(IOException.class)
        .hasMessage("no SSH session to core@guest:22 within 60 s (3 attempts): connect timed out")
        .hasCauseInstanceOf(IOException.class);
    assertThat(calls).hasValue(3);
    assertThat(Duration.ofNanos(nanos.get()))
        .isLessThan(Duration.ofSeconds(UnixSocketForwarder.CONNECT_DEADLINE_SECONDS + 21));
  }

  @Test
  void aRefusalFromTheSourceEndsTheAttemptsAtOnce() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    start(
        () -> {
          calls.incrementAndGet();
          throw new IllegalStateException("host key changed");
        });

    assertThatThrownBy(forwarder::open).isInstanceOf(IllegalStateException.class);
    assertThat(calls).hasValue(1);
  }

  @Test
  void aSessionThatNoLongerAnswersIsDroppedAndMadeAgain() throws Exception {
    FakeSession dead = new FakeSession();
    dead.answers = false;
    dead.failOpens = true;
    FakeSession fresh = new FakeSession();
    List<FakeSession> sessions = new ArrayList<>(List.of(dead, fresh));
    start(() -> sessions.remove(0));

    forwarder.open().close();

    assertThat(dead.closed).isTrue();
    assertThat(fresh.opened).containsExactly("/run/podman/podman.sock");
    assertThat(pauses).containsExactly(UnixSocketForwarder.REOPEN_PAUSE);
  }

  @Test
  void aSessionThatAnswersKeepsServingWhenTheGuestSocketRefuses() throws Exception {
    FakeSession session = new FakeSession();
    session.failOpens = true;
    AtomicInteger calls = new AtomicInteger();
    start(
        () -> {
          calls.incrementAndGet();
          return session;
        });

    assertThatThrownBy(forwarder::open)
        .isInstanceOf(IOException.class)
        .hasMessage("no such socket");
    assertThat(session.closed).isFalse();
    assertThat(calls).hasValue(1);
  }

  @Test
  void connectionsWaitingForTheSessionShareIt() throws Exception {
    FakeSession session = new FakeSession();
    CountDownLatch connecting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    start(
        () -> {
          calls.incrementAndGet();
          connecting.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
          return session;
        });

    CompletableFuture<ForwardSession.Stream> first =
        CompletableFuture.supplyAsync(this::openUnchecked);
    connecting.await();
    CompletableFuture<ForwardSession.Stream> second =
        CompletableFuture.supplyAsync(this::openUnchecked);
    release.countDown();
    first.get(10, TimeUnit.SECONDS).close();
    second.get(10, TimeUnit.SECONDS).close();

    assertThat(calls).hasValue(1);
    assertThat(session.opened).hasSize(2);
  }

  @Test
  void theSocketIsTheOwnersAloneReplacesAStaleFileAndCarriesBytesBothWaysWithHalfClose()
      throws Exception {
    Path socket = dir.resolve("api.sock");
    Files.writeString(socket, "stale");
    FakeSession session = new FakeSession();
    start(() -> session);
    assertThat(Files.getPosixFilePermissions(socket))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      client.write(ByteBuffer.wrap("GET /_ping".getBytes(UTF_8)));
      client.shutdownOutput();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(1024);
      while (client.read(buf) >= 0) {
        answer.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      assertThat(answer.toString(UTF_8)).isEqualTo("echo: GET /_ping");
    }

    forwarder.close();
    assertThat(socket).doesNotExist();
  }

  private ForwardSession.Stream openUnchecked() {
    try {
      return forwarder.open();
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A session whose streams echo what they read, once the client's side ends (a half-close). */
  private static final class FakeSession implements ForwardSession {
    final List<String> opened = new ArrayList<>();
    volatile boolean answers = true;
    volatile boolean failOpens;
    volatile boolean closed;

    @Override
    public boolean isOpen() {
      return !closed;
    }

    @Override
    public boolean answers() {
      return answers;
    }

    @Override
    public synchronized Stream openUnixSocket(String path, Duration timeout) throws IOException {
      if (failOpens) {
        throw new IOException("no such socket");
      }
      opened.add(path);
      PipedInputStream guestReads = new PipedInputStream(64 * 1024);
      PipedOutputStream toGuest = new PipedOutputStream(guestReads);
      PipedInputStream fromGuest = new PipedInputStream(64 * 1024);
      PipedOutputStream guestWrites = new PipedOutputStream(fromGuest);
      Thread guest =
          new Thread(
              () -> {
                try (guestWrites) {
                  byte[] request = guestReads.readAllBytes();
                  guestWrites.write(("echo: " + new String(request, UTF_8)).getBytes(UTF_8));
                } catch (IOException e) {
                  // the client went away
                }
              });
      guest.setDaemon(true);
      guest.start();
      return new Stream() {
        @Override
        public InputStream fromGuest() {
          return fromGuest;
        }

        @Override
        public OutputStream toGuest() {
          return toGuest;
        }

        @Override
        public void close() throws IOException {
          toGuest.close();
          fromGuest.close();
        }
      };
    }

    @Override
    public void close() {
      closed = true;
    }
  }
}
