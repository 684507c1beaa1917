package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.os.Host;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BerthDirsTest {
  private static Host host(Map<String, String> env) {
    return new Host(
        env, Path.of("/home/u"), "u", 1000, "linux", "x86_64", 2, 1L << 32, ZoneId.of("UTC"));
  }

  @Test
  void from_xdgVariables_used() {
    BerthDirs dirs =
        BerthDirs.from(
            host(
                Map.of(
                    "XDG_CONFIG_HOME",
                    "/c",
                    "XDG_DATA_HOME",
                    "/d",
                    "XDG_RUNTIME_DIR",
                    "/run/user/1000")));
    assertThat(dirs)
        .isEqualTo(
            new BerthDirs(
                Path.of("/c/berth"), Path.of("/d/berth"), Path.of("/run/user/1000/berth")));
    assertThat(dirs.machineRuntime("m")).isEqualTo(Path.of("/run/user/1000/berth/m"));
  }

  @Test
  void from_noVariables_homeDefaultsAndTmpRuntime() {
    BerthDirs dirs = BerthDirs.from(host(Map.of()));
    assertThat(dirs.config()).isEqualTo(Path.of("/home/u/.config/berth"));
    assertThat(dirs.data()).isEqualTo(Path.of("/home/u/.local/share/berth"));
    assertThat(dirs.runtime()).isEqualTo(Path.of("/tmp/berth-1000"));
  }

  @Test
  void from_macOsWithoutXdgRuntime_runtimeUnderTheUsersCaches_notInTheCleanedTmp() {
    Host mac =
        new Host(
            Map.of("TMPDIR", "/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T/"),
            Path.of("/Users/u"),
            "u",
            501,
            "darwin",
            "aarch64",
            8,
            1L << 34,
            ZoneId.of("UTC"));
    assertThat(BerthDirs.from(mac).runtime()).isEqualTo(Path.of("/Users/u/Library/Caches/berth"));
  }

  @Test
  void from_berthHome_putsAllThreeUnderIt() {
    BerthDirs dirs = BerthDirs.from(host(Map.of("BERTH_HOME", "/b", "XDG_CONFIG_HOME", "/c")));
    assertThat(dirs)
        .isEqualTo(new BerthDirs(Path.of("/b/config"), Path.of("/b/data"), Path.of("/b/run")));
  }

  @Test
  void from_runtimeTooLongForSockets_fallsBackToShortTmpDirectory() {
    String deep = "/tmp/" + "x".repeat(70);
    BerthDirs dirs = BerthDirs.from(host(Map.of("BERTH_HOME", deep)));
    assertThat(dirs.config()).isEqualTo(Path.of(deep, "config"));
    assertThat(dirs.runtime()).isEqualTo(Path.of("/tmp/berth-1000"));
    String longestSocket =
        dirs.machineRuntime("m".repeat(MachineName.MAX_LENGTH)).resolve("ready.sock").toString();
    assertThat(longestSocket.length()).isLessThanOrEqualTo(103);
  }

  @Test
  void machinePaths_nameThatLeavesTheirDirectory_refused() {
    BerthDirs dirs = BerthDirs.from(host(Map.of("BERTH_HOME", "/b")));
    for (String bad : new String[] {"..", ".", "../x", "a/b", "/etc"}) {
      for (java.util.function.Function<String, Path> path :
          List.<java.util.function.Function<String, Path>>of(
              dirs::machineConfig, dirs::machineData, dirs::machineRuntime)) {
        assertThatThrownBy(() -> path.apply(bad))
            .as(bad)
            .isInstanceOf(BerthException.class)
            .hasMessageContaining("invalid machine name");
      }
    }
  }
}
