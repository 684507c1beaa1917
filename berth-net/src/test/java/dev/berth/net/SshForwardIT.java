package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.ssh.SshSocketForward;
import dev.berth.net.testing.NetnsGuest;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * gvproxy's {@code -forward-sock} against OpenSSH's sshd in a network namespace playing the guest
 * (192.168.127.2:22, a generated host key, root's key authorized) with a unix socket echo server:
 * bytes go host socket → SSH through berth-net → guest socket and back, including while sshd is not
 * yet up and after the SSH session died. Needs root and /usr/sbin/sshd (openssh-server).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SshForwardIT {

  private static final Path SSHD = Path.of("/usr/sbin/sshd");

  private Path dir;
  private VirtualNetwork net;
  private NetnsGuest guest;
  private SshSocketForward forward;
  private Process sshd;
  private final List<Process> servers = new ArrayList<>();

  @BeforeAll
  void start() throws Exception {
    NetnsGuest.requireRoot();
    assertThat(SSHD)
        .as("OpenSSH's server (Debian: openssh-server) is needed for this test")
        .isExecutable();
    dir = Files.createTempDirectory("berth-sshfwd-it");
    NetnsGuest.host(
            "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("host_key").toString())
        .orFail();
    NetnsGuest.host(
            "ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve("id").toString())
        .orFail();
    Files.copy(dir.resolve("id.pub"), dir.resolve("authorized_keys"));
    Files.writeString(
        dir.resolve("sshd_config"),
        String.join(
            "\n",
            "ListenAddress 192.168.127.2:22",
            "HostKey " + dir.resolve("host_key"),
            "AuthorizedKeysFile " + dir.resolve("authorized_keys"),
            "PidFile none",
            "StrictModes no",
            "UsePAM no",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "PermitRootLogin prohibit-password",
            "AllowStreamLocalForwarding yes",
            ""));
    Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege separation directory
    net = VirtualNetwork.start(NetworkConfig.gvproxyDefaults());
    Path socket = dir.resolve("net.sock");
    net.listenUnix(socket, Framing.QEMU);
    guest = new NetnsGuest(socket, 1500);
    assertThat(guest.dhcp()).containsEntry("ip", "192.168.127.2");
    servers.add(
        guest.startInBackground(
            NetnsGuest.guestToolCommand("unix-echo-server", guestSocket().toString())));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(guestSocket())) {
      assertThat(System.nanoTime())
          .as("the guest's unix echo server did not start")
          .isLessThan(deadline);
      Thread.sleep(50);
    }
    Files.writeString(hostSocket(), "stale"); // replaced by the forward
    forward =
        SshSocketForward.start(
            net,
            new InetSocketAddress(net.config().guestIp(), 22),
            new SshSocketForward.Spec(
                hostSocket(), guestSocket().toString(), "root", dir.resolve("id")));
  }

  private Path hostSocket() {
    return dir.resolve("podman.sock");
  }

  private Path guestSocket() {
    return dir.resolve("guest.sock");
  }

  private void startSshd() throws Exception {
    sshd =
        guest.startInBackground(
            SSHD.toString(), "-D", "-e", "-f", dir.resolve("sshd_config").toString());
  }

  /** Ends sshd and every session it forked: the forward's SSH session dies with them. */
  private void killSshd() throws Exception {
    sshd.destroyForcibly().waitFor();
    for (String pid : NetnsGuest.host("ip", "netns", "pids", guest.name()).stdout().split("\\s+")) {
      if (!pid.isBlank() && Files.readString(Path.of("/proc", pid, "comm")).trim().equals("sshd")) {
        NetnsGuest.host("kill", "-9", pid);
      }
    }
  }

  @AfterAll
  void stop() throws Exception {
    if (sshd != null) {
      killSshd();
    }
    NetnsGuest.tearDown(servers, dir, forward, guest, net);
  }

  /**
   * Sends {@code data} through the host socket, closes its sending side, and returns all that came
   * back.
   */
  private byte[] roundTrip(byte[] data) throws Exception {
    try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      c.connect(UnixDomainSocketAddress.of(hostSocket()));
      CompletableFuture<Void> sent =
          CompletableFuture.runAsync(
              () -> {
                try {
                  ByteBuffer b = ByteBuffer.wrap(data);
                  while (b.hasRemaining()) {
                    c.write(b);
                  }
                  c.shutdownOutput();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      java.io.ByteArrayOutputStream back = new java.io.ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(65536);
      while (c.read(buf) >= 0) {
        back.write(buf.array(), 0, buf.position());
        buf.clear();
      }
      sent.get(60, TimeUnit.SECONDS);
      return back.toByteArray();
    }
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  @Order(1)
  void theHostSocketIsPrivateAndReplacedTheStaleFile() throws Exception {
    assertThat(Files.getPosixFilePermissions(hostSocket()))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.isRegularFile(hostSocket())).isFalse();
  }

  @Test
  @Order(2)
  void aConnectionMadeBeforeSshdIsUpSucceedsOnceItStarts() throws Exception {
    byte[] data = random(1000, 1);
    CompletableFuture<byte[]> back =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return roundTrip(data);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    Thread.sleep(3000);
    assertThat(back).as("nothing can come back before sshd runs").isNotDone();
    startSshd();
    assertThat(back.get(45, TimeUnit.SECONDS)).isEqualTo(data);
  }

  @Test
  @Order(3)
  void bytesGoBothWaysIntactWithHalfClose() throws Exception {
    byte[] data = random(8 << 20, 2);
    assertThat(Arrays.equals(roundTrip(data), data)).as("8 MiB echoed through SSH intact").isTrue();
    List<CompletableFuture<Boolean>> many = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] d = random(100_000, 10 + i);
      many.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return Arrays.equals(roundTrip(d), d);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (CompletableFuture<Boolean> f : many) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  @Order(4)
  void aNewSessionIsMadeAfterTheOldOneDied() throws Exception {
    killSshd();
    Thread.sleep(500);
    startSshd();
    byte[] data = random(5000, 3);
    long start = System.nanoTime();
    assertThat(roundTrip(data)).isEqualTo(data);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }
}
