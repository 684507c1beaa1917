package dev.berth.ignition;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SystemdEscapeTest {
  @Test
  void path_matchesSystemdEscape() {
    assertThat(SystemdEscape.path("/home/user/src")).isEqualTo("home-user-src");
    assertThat(SystemdEscape.path("/mnt/my dir/")).isEqualTo("mnt-my\\x20dir");
    assertThat(SystemdEscape.path("/a-b/.c")).isEqualTo("a\\x2db-.c");
    assertThat(SystemdEscape.path("/.hidden")).isEqualTo("\\x2ehidden");
    assertThat(SystemdEscape.path("/")).isEqualTo("-");
  }
}
