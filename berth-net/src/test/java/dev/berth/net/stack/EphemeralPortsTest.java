package dev.berth.net.stack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.net.stack.EphemeralPorts.Use;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EphemeralPortsTest {

  private final Map<Integer, Use> taken = new HashMap<>();

  private Use use(int port) {
    return taken.getOrDefault(port, Use.FREE);
  }

  @Test
  void portsComeInTurnAndTheRangeWrapsAround() {
    EphemeralPorts ports = new EphemeralPorts(100, 3);
    assertThat(ports.take(this::use)).isEqualTo(100);
    assertThat(ports.take(this::use)).isEqualTo(101);
    assertThat(ports.take(this::use)).isEqualTo(102);
    assertThat(ports.take(this::use)).isEqualTo(100);
  }

  @Test
  void aFreePortNearByIsPreferredToOneInTimeWait() {
    EphemeralPorts ports = new EphemeralPorts(100, 1000);
    taken.put(100, Use.TIME_WAIT);
    taken.put(101, Use.BUSY);
    assertThat(ports.take(this::use)).isEqualTo(102);
  }

  @Test
  void whenThePortsNextInTurnAreAllTakenTheFirstInTimeWaitIsReused() {
    EphemeralPorts ports = new EphemeralPorts(100, 1000);
    for (int p = 100; p < 1100; p++) {
      taken.put(p, Use.TIME_WAIT);
    }
    taken.put(100, Use.BUSY);
    taken.remove(1050); // free, but far beyond the look-ahead
    assertThat(ports.take(this::use)).isEqualTo(101);
    taken.put(101, Use.BUSY); // the caller's new connection
    // The TIME-WAIT ports looked at past 101 are the oldest: the next turn starts right after it.
    assertThat(ports.take(this::use)).isEqualTo(102);
  }

  @Test
  void withEveryPortBusyThereIsNone() {
    EphemeralPorts ports = new EphemeralPorts(100, 50);
    assertThat(ports.take(p -> Use.BUSY)).isEqualTo(-1);
  }

  @Test
  void inAFullRangeSmallerThanTheLookAheadTheOnlyTimeWaitPortIsFound() {
    EphemeralPorts ports = new EphemeralPorts(100, 10);
    assertThat(ports.take(p -> p == 107 ? Use.TIME_WAIT : Use.BUSY)).isEqualTo(107);
  }
}
