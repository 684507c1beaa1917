package dev.berth.report;

import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import dev.berth.machine.MachineStore;
import dev.berth.machine.Machines;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The machines {@code list} shows, in its order. */
public final class MachineList {
  /** podman's order: machines up first, then the most recently up, then by name. */
  static final Comparator<Row> ORDER =
      Comparator.comparing((Row r) -> r.state() == MachineState.STOPPED)
          .thenComparing(
              r -> r.config().lastUp() == null ? Instant.MIN : r.config().lastUp(),
              Comparator.reverseOrder())
          .thenComparing(r -> r.config().name());

  private MachineList() {}

  /** One machine: its description, its state, and whether it is the default connection's. */
  public record Row(MachineConfig config, MachineState state, boolean isDefault) {
    public MachineListEntry report() {
      return MachineListEntry.of(config, state, isDefault);
    }
  }

  /** Every readable machine in list order; {@code unreadable} hears of the others. */
  public static List<Row> of(Machines machines, Consumer<MachineStore.Entry> unreadable) {
    List<Row> rows = new ArrayList<>();
    Optional<String> defaultMachine = machines.defaultMachine();
    for (MachineStore.Entry entry : machines.entries()) {
      if (!entry.readable()) {
        unreadable.accept(entry);
        continue;
      }
      MachineState state = machines.state(entry.name());
      rows.add(
          new Row(entry.config(), state, defaultMachine.filter(entry.name()::equals).isPresent()));
    }
    rows.sort(ORDER);
    return rows;
  }
}
