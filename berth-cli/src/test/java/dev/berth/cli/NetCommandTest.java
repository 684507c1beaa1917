package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.api.ApiClient;
import dev.berth.net.forward.Forward;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth net}, run as a user runs it (a JVM of its own) with gvproxy's single-dash flags. */
class NetCommandTest {
  @TempDir Path dir;

  private Process berth(String... args) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
    argv.addAll(List.of(args));
    ProcessBuilder pb =
        new ProcessBuilder(argv)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("out.log").toFile());
    pb.environment().put("BERTH_HOME", dir.resolve("home").toString());
    return pb.start();
  }

  private String output() throws Exception {
    return Files.readString(dir.resolve("out.log"), StandardCharsets.UTF_8);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void startsWritesThePidFileServesTheApi_andStopsOnSigterm() throws Exception {
    Path pidFile = dir.resolve("net.pid");
    Path api = dir.resolve("api.sock");
    Path qemu = dir.resolve("qemu.sock");
    int sshPort = freePort();
    Process p =
        berth(
            "net",
            "-listen-qemu",
            "unix://" + qemu,
            "-services",
            "unix://" + api,
            "-ssh-port",
            String.valueOf(sshPort),
            "-mtu=1400",
            "-pid-file",
            pidFile.toString());
    try {
      // The pid file is written last, once everything listens.
      for (int i = 0; i < 600 && !Files.exists(pidFile) && p.isAlive(); i++) {
        Thread.sleep(100);
      }
      assertThat(pidFile).as(output()).exists();
      assertThat(Files.readString(pidFile).strip()).isEqualTo(String.valueOf(p.pid()));
      assertThat(qemu).exists();
      assertThat(new ApiClient(api).forwards())
          .extracting(Forward::local)
          .containsExactly("127.0.0.1:" + sshPort);

      p.destroy(); // SIGTERM
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stops on SIGTERM").isTrue();
      assertThat(pidFile).as("the pid file goes at exit").doesNotExist();
      assertThat(api).doesNotExist();
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void anUnknownFlag_isAnError() throws Exception {
    Process p =
        berth(
            "net",
            "-listen-qemu",
            "unix://" + dir.resolve("q.sock"),
            "-listen-vfkit",
            "unixgram:///x");
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(125);
    assertThat(output()).startsWith("Error: Unknown options: '-listen-vfkit', 'unixgram:///x'");
  }

  @Test
  void flagsThatCannotWork_areErrorsBeforeAnythingStarts() throws Exception {
    Path pidFile = dir.resolve("net.pid");
    Process p =
        berth(
            "net",
            "-listen-qemu",
            "unix://" + dir.resolve("q.sock"),
            "-pid-file",
            pidFile.toString(),
            "-forward-sock",
            dir.resolve("f.sock").toString(),
            "-forward-user",
            "core");
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(125);
    assertThat(output())
        .startsWith("Error: -forward-sock, -forward-dest, -forward-user, and -forward-identity")
        .contains("Hint: see 'berth net --help'");
    assertThat(pidFile).doesNotExist();
    assertThat(dir.resolve("q.sock")).doesNotExist();
  }

  @Test
  void nothingToListenOn_isAnError() throws Exception {
    Process p = berth("net", "-ssh-port", "-1");
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(125);
    assertThat(output()).startsWith("Error: nothing to listen on");
  }
}
