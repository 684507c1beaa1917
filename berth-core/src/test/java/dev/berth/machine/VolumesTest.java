package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.os.Host;
import dev.berth.testing.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumesTest {
  @TempDir Path dir;

  @Test
  void parse_sourceOnly_mountsAtTheSamePath() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Volumes.Spec spec = Volumes.parse(src.toString(), TestHosts.under(dir));
    assertThat(spec).isEqualTo(new Volumes.Spec(src, src.toString(), false));
  }

  @Test
  void parse_targetAndReadOnly() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Volumes.Spec spec = Volumes.parse(src + ":/mnt/code/:ro", TestHosts.under(dir));
    assertThat(spec).isEqualTo(new Volumes.Spec(src, "/mnt/code", true));
  }

  @Test
  void parse_expandsHome() throws Exception {
    Host host = TestHosts.under(dir);
    Files.createDirectories(host.home().resolve("work"));
    assertThat(Volumes.parse("$HOME/work:/w", host).source())
        .isEqualTo(host.home().resolve("work"));
  }

  @Test
  void parse_badInput_saysWhatIsWrong() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Host host = TestHosts.under(dir);
    assertThatThrownBy(() -> Volumes.parse(dir.resolve("missing") + ":/m", host))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> Volumes.parse(src + ":relative", host))
        .hasMessageContaining("not an absolute path");
    assertThatThrownBy(() -> Volumes.parse(src + ":/etc", host))
        .hasMessageContaining("system directory");
    assertThatThrownBy(() -> Volumes.parse(src + ":/usr/", host))
        .hasMessageContaining("system directory");
    assertThatThrownBy(() -> Volumes.parse(src + ":/m:rx", host))
        .hasMessageContaining("unknown option \"rx\"");
    assertThatThrownBy(() -> Volumes.parse(src + ":/m:ro:x", host))
        .hasMessageContaining("SRC[:DST[:ro|rw]]");
  }

  @Test
  void parseAll_twoVolumesOnOneTarget_refused() throws Exception {
    Path a = Files.createDirectories(dir.resolve("a"));
    Path b = Files.createDirectories(dir.resolve("b"));
    assertThatThrownBy(() -> Volumes.parseAll(List.of(a + ":/m", b + ":/m"), TestHosts.under(dir)))
        .hasMessageContaining("already mounted at /m");
  }

  @Test
  void parse_controlCharacterInSourceOrTarget_refused() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    Path oddSource = Files.createDirectories(dir.resolve("odd\nname"));
    for (String spec :
        List.of(
            src + ":/mnt/x\nWhat=/etc\nWhere=/mnt/y",
            src + ":/mnt/x\ty",
            src + ":/mnt/x\u007f",
            oddSource + ":/mnt/x")) {
      assertThatThrownBy(() -> Volumes.parse(spec, TestHosts.under(dir)))
          .as(spec)
          .isInstanceOf(BerthException.class)
          .hasMessageContaining("a control character")
          .hasMessageNotContaining("\n");
    }
  }

  @Test
  void defaults_linuxSharesHome_unlessHomeIsASystemDirectory() {
    Host host = TestHosts.under(dir);
    assertThat(Volumes.defaults(host)).containsExactly(host.home() + ":" + host.home());
    Host root =
        new Host(
            host.env(), Path.of("/root"), "root", 0, "linux", "x86_64", 2, 1L << 30, host.zone());
    assertThat(Volumes.defaults(root)).isEmpty();
  }
}
