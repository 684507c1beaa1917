package dev.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClockJumpWatchTest {
  private Instant wall = Instant.parse("2026-12-01T10:00:00Z");
  private long monotonic = 5_000_000_000L;
  private final List<Instant> set = new ArrayList<>();
  private final ClockJumpWatch watch = new ClockJumpWatch(() -> wall, () -> monotonic, set::add);

  private void advance(Duration wallBy, Duration monotonicBy) {
    wall = wall.plus(wallBy);
    monotonic += monotonicBy.toNanos();
  }

  @Test
  void check_bothClocksMoveAlike_setsNothing() {
    advance(Duration.ofSeconds(5), Duration.ofMillis(4_200));
    assertThat(watch.check()).isFalse();
    assertThat(set).isEmpty();
  }

  @Test
  void check_hostSlept_wallJumpedAhead_setsTheGuestToTheHostsTimeOnce() {
    advance(Duration.ofSeconds(65), Duration.ofSeconds(5));
    assertThat(watch.check()).isTrue();
    assertThat(set).containsExactly(wall);
    advance(Duration.ofSeconds(5), Duration.ofSeconds(5));
    assertThat(watch.check()).isFalse();
    assertThat(set).hasSize(1);
  }

  @Test
  void check_wallSetBack_setsTheGuestToo() {
    advance(Duration.ofSeconds(-30), Duration.ofSeconds(5));
    assertThat(watch.check()).isTrue();
    assertThat(set).containsExactly(wall);
  }

  @Test
  void setNow_setterFails_reportsFalse_andTheWatchGoesOn() {
    ClockJumpWatch failing =
        new ClockJumpWatch(
            () -> wall,
            () -> monotonic,
            now -> {
              throw new java.io.IOException("guest agent not running");
            });
    assertThat(failing.setNow()).isFalse();
    advance(Duration.ofSeconds(1), Duration.ofSeconds(1));
    assertThat(failing.check()).isFalse();
  }
}
