package dev.berth.report;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;

/** One element of {@code list --format json}; sizes are strings of bytes, as podman's are. */
public record MachineListEntry(
    @JsonProperty("Name") String name,
    @JsonProperty("Default") boolean isDefault,
    @JsonProperty("Created") String created,
    @JsonProperty("LastUp") String lastUp,
    @JsonProperty("Running") boolean running,
    @JsonProperty("Starting") boolean starting,
    @JsonProperty("Stream") String stream,
    @JsonProperty("VMType") String vmType,
    @JsonProperty("CPUs") int cpus,
    @JsonProperty("Memory") String memory,
    @JsonProperty("DiskSize") String diskSize,
    @JsonProperty("Port") int port,
    @JsonProperty("RemoteUsername") String remoteUsername,
    @JsonProperty("IdentityPath") String identityPath,
    @JsonProperty("UserModeNetworking") boolean userModeNetworking) {

  /** The VM TYPE every machine here has. */
  public static final String VM_TYPE = Reports.VM_TYPE;

  public static MachineListEntry of(MachineConfig c, MachineState state, boolean isDefault) {
    return new MachineListEntry(
        c.name(),
        isDefault,
        Reports.time(c.created()),
        Reports.lastUp(c),
        state == MachineState.RUNNING,
        state == MachineState.STARTING,
        Reports.stream(c),
        Reports.VM_TYPE,
        c.resources().cpus(),
        Long.toString(c.resources().memoryMiB() << 20),
        Long.toString(c.resources().diskSizeGiB() << 30),
        c.ssh().port(),
        c.ssh().remoteUsername(),
        c.ssh().identityPath().toString(),
        true);
  }
}
