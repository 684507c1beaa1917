package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.net.ssh.SshSocketForward;
import dev.berth.net.testing.Frames;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BerthNetMainTest {

  @TempDir Path dir;

  @Test
  void withListenStdioFramesTravelOnStandardInputAndOutputAndLogLinesStayOff() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                BerthNetMain.class.getName(),
                "-listen-stdio",
                "yes",
                "-ssh-port",
                "-1")
            .redirectError(dir.resolve("stderr.log").toFile())
            .start();
    try {
      byte[] arp = Frames.arpRequest(Frames.GUEST_IP, Frames.GATEWAY_IP);
      OutputStream stdin = p.getOutputStream();
      stdin.write(new byte[] {(byte) arp.length, (byte) (arp.length >> 8)});
      stdin.write(arp);
      stdin.flush();
      DataInputStream stdout = new DataInputStream(p.getInputStream());
      byte[] reply = new byte[Short.reverseBytes(stdout.readShort()) & 0xffff];
      stdout.readFully(reply);
      Frames.Parsed parsed = Frames.Parsed.of(reply);
      assertThat(parsed.ethType()).isEqualTo(0x0806);
      assertThat(parsed.b().getInt(14 + 14)).isEqualTo(Frames.GATEWAY_IP);

      stdin.close();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits when its input ends").isTrue();
      assertThat(p.exitValue()).isZero();
      assertThat(stdout.read()).as("nothing after the frame").isEqualTo(-1);
      assertThat(Files.readString(dir.resolve("stderr.log"))).contains("standard input ended");
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void theNthOfEachForwardFlagMakeOneForward() throws Exception {
    Path a = Files.createFile(dir.resolve("id_a"));
    Path b = Files.createFile(dir.resolve("id_b"));
    List<SshSocketForward.Spec> specs =
        BerthNetMain.sshForwards(
            List.of("/run/a.sock", "unix:///run/b.sock"),
                List.of("/run/podman/podman.sock", "/run/user/1000/podman/podman.sock"),
            List.of("root", "core"), List.of(a.toString(), b.toString()));
    assertThat(specs)
        .containsExactly(
            new SshSocketForward.Spec(Path.of("/run/a.sock"), "/run/podman/podman.sock", "root", a),
            new SshSocketForward.Spec(
                Path.of("/run/b.sock"), "/run/user/1000/podman/podman.sock", "core", b));
    assertThat(BerthNetMain.sshForwards(List.of(), List.of(), List.of(), List.of())).isEmpty();
  }

  @Test
  void forwardFlagsMustComeTogether() throws Exception {
    Path a = Files.createFile(dir.resolve("id_a"));
    assertThatThrownBy(
            () ->
                BerthNetMain.sshForwards(
                    List.of("/run/a.sock"),
                    List.of("/run/podman/podman.sock"),
                    List.of(),
                    List.of(a.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the same number of times");
  }

  @Test
  void aMissingIdentityFileIsNamed() {
    Path missing = dir.resolve("no-such-key");
    assertThatThrownBy(
            () ->
                BerthNetMain.sshForwards(
                    List.of("/run/a.sock"),
                    List.of("/run/podman/podman.sock"),
                    List.of("root"),
                    List.of(missing.toString())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(missing.toString())
        .hasMessageContaining("does not exist");
  }
}
