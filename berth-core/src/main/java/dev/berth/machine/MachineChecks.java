package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.os.Host;

/** The checks that {@code init}, {@code set} and {@code rm} share before they change anything. */
final class MachineChecks {
  private static final long MIN_MEMORY_MIB = 512;

  private final Host host;
  private final StateProbe states;

  MachineChecks(Host host, StateProbe states) {
    this.host = host;
    this.states = states;
  }

  void validateResources(int cpus, long memoryMiB, long diskGiB) {
    if (cpus < 1 || cpus > host.cpus()) {
      throw new BerthException(
          "cannot give the machine " + cpus + " CPUs: this host has " + host.cpus(),
          "pass --cpus between 1 and " + host.cpus());
    }
    long hostMemoryMiB = host.memoryBytes() >> 20;
    if (memoryMiB < MIN_MEMORY_MIB || memoryMiB > hostMemoryMiB) {
      throw new BerthException(
          "cannot give the machine " + memoryMiB + " MiB of memory",
          "pass --memory between " + MIN_MEMORY_MIB + " and " + hostMemoryMiB + " (MiB)");
    }
    if (diskGiB < 1) {
      throw new BerthException(
          "invalid disk size " + diskGiB + " GiB", "pass --disk-size of at least 1 (GiB)");
    }
  }

  void requireStopped(String name, String action) {
    MachineState state = states.probe(name);
    if (state != MachineState.STOPPED) {
      throw new BerthException(
          "machine \""
              + name
              + "\" is "
              + state.display().toLowerCase(java.util.Locale.ROOT)
              + ": cannot "
              + action
              + " while it runs",
          "stop it first with: berth stop " + name);
    }
  }
}
