package dev.berth.net.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LogRateTest {

  @Test
  void aFloodLogsAFewLinesAMinuteAndThenSaysHowManyWereLeftOut() {
    AtomicLong now = new AtomicLong();
    LogRate rate = new LogRate(now::get);
    int logged = 0;
    for (int i = 0; i < 100_000; i++) {
      if (rate.admit("guest {} on a link") != null) {
        logged++;
      }
    }
    assertThat(logged).isEqualTo(LogRate.LINES_PER_MINUTE);
    now.addAndGet(TimeUnit.SECONDS.toNanos(59));
    assertThat(rate.admit("x")).isNull();
    now.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertThat(rate.admit("guest {} on a link"))
        .isEqualTo(
            "guest {} on a link ("
                + (100_000 - LogRate.LINES_PER_MINUTE + 1)
                + " similar lines left out)");
    assertThat(rate.admit("next")).isEqualTo("next");
  }
}
