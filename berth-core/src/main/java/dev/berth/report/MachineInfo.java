package dev.berth.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.BerthVersion;
import dev.berth.machine.MachineState;
import dev.berth.machine.MachineStore;
import dev.berth.machine.Machines;
import dev.berth.report.MachineInspection.PathValue;

/** {@code info}: the host as podman machine describes it, and this build's version. */
public record MachineInfo(
    @JsonProperty("Host") Host host, @JsonProperty("Version") Version version) {

  /** The current machine is the first one not stopped, in the store's order. */
  public record Host(
      @JsonProperty("Arch") String arch,
      @JsonProperty("CurrentMachine") String currentMachine,
      @JsonProperty("DefaultMachine") String defaultMachine,
      @JsonProperty("EventsDir") String eventsDir,
      @JsonProperty("MachineConfigDir") PathValue machineConfigDir,
      @JsonProperty("MachineImageDir") PathValue machineImageDir,
      @JsonProperty("MachineState") String machineState,
      @JsonProperty("NumberOfMachines") int numberOfMachines,
      @JsonProperty("OS") String os,
      @JsonProperty("VMType") String vmType) {}

  public record Version(
      @JsonProperty("APIVersion") String apiVersion,
      @JsonProperty("Version") String version,
      @JsonProperty("JavaVersion") String javaVersion,
      @JsonProperty("OsArch") String osArch,
      @JsonProperty("Os") String os) {}

  public static MachineInfo of(Machines machines) {
    String goArch = goArch(machines.host().cpuArch());
    String current = "";
    MachineState currentState = null;
    int count = 0;
    for (MachineStore.Entry entry : machines.entries()) {
      count++;
      MachineState state = machines.state(entry.name());
      if (state != MachineState.STOPPED && current.isEmpty()) {
        current = entry.name();
        currentState = state;
      }
    }
    String os = machines.host().os();
    return new MachineInfo(
        new Host(
            goArch,
            current,
            machines.defaultMachine().orElse(""),
            machines.dirs().runtime().toString(),
            PathValue.of(machines.dirs().machinesConfig()),
            PathValue.of(machines.dirs().images()),
            currentState == null ? "" : currentState.display(),
            count,
            os,
            Reports.VM_TYPE),
        new Version(
            BerthVersion.get(),
            BerthVersion.get(),
            System.getProperty("java.version"),
            os + "/" + goArch,
            os));
  }

  /** Go's architecture names, which podman prints. */
  static String goArch(String arch) {
    return switch (arch) {
      case "x86_64" -> "amd64";
      case "aarch64" -> "arm64";
      default -> arch;
    };
  }
}
