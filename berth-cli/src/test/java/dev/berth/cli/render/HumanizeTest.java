package dev.berth.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HumanizeTest {
  @Test
  void bytes_likeGoUnits() {
    assertThat(Humanize.bytes(0)).isEqualTo("0B");
    assertThat(Humanize.bytes(2L << 30)).isEqualTo("2GiB");
    assertThat(Humanize.bytes(100L << 30)).isEqualTo("100GiB");
    assertThat(Humanize.bytes(1536L << 20)).isEqualTo("1.5GiB");
    assertThat(Humanize.bytes(1000)).isEqualTo("1000B");
    assertThat(Humanize.bytes(123456789)).isEqualTo("117.7MiB");
  }

  @Test
  void duration_likeGoUnits() {
    assertThat(Humanize.duration(Duration.ofMillis(300))).isEqualTo("Less than a second");
    assertThat(Humanize.duration(Duration.ofSeconds(1))).isEqualTo("1 second");
    assertThat(Humanize.duration(Duration.ofSeconds(42))).isEqualTo("42 seconds");
    assertThat(Humanize.duration(Duration.ofSeconds(90))).isEqualTo("About a minute");
    assertThat(Humanize.duration(Duration.ofMinutes(17))).isEqualTo("17 minutes");
    assertThat(Humanize.duration(Duration.ofMinutes(65))).isEqualTo("About an hour");
    assertThat(Humanize.duration(Duration.ofHours(5))).isEqualTo("5 hours");
    assertThat(Humanize.duration(Duration.ofDays(3))).isEqualTo("3 days");
    assertThat(Humanize.duration(Duration.ofDays(20))).isEqualTo("2 weeks");
    assertThat(Humanize.duration(Duration.ofDays(100))).isEqualTo("3 months");
    assertThat(Humanize.duration(Duration.ofDays(800))).isEqualTo("2 years");
  }
}
