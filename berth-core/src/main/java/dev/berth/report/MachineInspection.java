package dev.berth.report;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** One element of {@code inspect}'s array. */
public record MachineInspection(
    @JsonProperty("ConfigPath") PathValue configPath,
    @JsonProperty("ConnectionInfo") ConnectionInfo connectionInfo,
    @JsonProperty("Created") String created,
    @JsonProperty("Image") Image image,
    @JsonProperty("LastUp") String lastUp,
    @JsonProperty("Name") String name,
    @JsonProperty("Arch") String arch,
    @JsonProperty("Resources") Resources resources,
    @JsonProperty("SSHConfig") SshConfig sshConfig,
    @JsonProperty("State") String state,
    @JsonProperty("UserModeNetworking") boolean userModeNetworking,
    @JsonProperty("Rootful") boolean rootful,
    @JsonProperty("Mounts") List<Mount> mounts,
    @JsonProperty("SaveState") boolean saveState,
    @JsonProperty("SavedState") SavedState savedState,
    @JsonProperty("Disk") @JsonInclude(JsonInclude.Include.NON_NULL) Disk disk) {

  /** The state saved by the last stop, which the next start resumes; null when there is none. */
  public record SavedState(@JsonProperty("Path") String path, @JsonProperty("Size") long size) {}

  /**
   * Berth's own: the disk's size as the guest sees it and what its file takes on the host, in
   * bytes. Space the guest frees is trimmed and given back, so the second follows the guest's use.
   */
  public record Disk(
      @JsonProperty("VirtualSize") long virtualSize, @JsonProperty("ActualSize") long actualSize) {}

  /** Go's {@code define.VMFile}: a path in an object of its own. */
  public record PathValue(@JsonProperty("Path") String path) {
    static PathValue of(Path path) {
      return new PathValue(path.toString());
    }
  }

  /** The pipe is Windows's; it is always null here. */
  public record ConnectionInfo(
      @JsonProperty("PodmanSocket") PathValue podmanSocket,
      @JsonProperty("PodmanPipe") PathValue podmanPipe) {}

  /** The base image's fields appear only when the machine has one (and then even when null). */
  public record Image(
      @JsonProperty("IgnitionFilePath") PathValue ignitionFilePath,
      @JsonProperty("ImageStream") String imageStream,
      @JsonProperty("ImagePath") PathValue imagePath,
      @JsonUnwrapped BaseImage baseImage) {}

  public record BaseImage(
      @JsonProperty("ImageVersion") String imageVersion,
      @JsonProperty("BaseImage") String baseImage,
      @JsonProperty("Digest") String digest) {}

  /** CPUs, disk in GiB, memory in MiB; no USB devices. */
  public record Resources(
      @JsonProperty("CPUs") int cpus,
      @JsonProperty("DiskSize") long diskSize,
      @JsonProperty("Memory") long memory,
      @JsonProperty("USBs") List<String> usbs) {}

  public record SshConfig(
      @JsonProperty("IdentityPath") String identityPath,
      @JsonProperty("Port") int port,
      @JsonProperty("RemoteUsername") String remoteUsername) {}

  public record Mount(
      @JsonProperty("Source") String source,
      @JsonProperty("Target") String target,
      @JsonProperty("ReadOnly") boolean readOnly,
      @JsonProperty("Tag") String tag,
      @JsonProperty("Type") String type) {}

  /**
   * {@code arch}: the machine's guest architecture (Berth's own field: a podman machine is always
   * of the host's); {@code savedState} and {@code savedStateBytes}: the saved state's file and
   * size, if any; {@code disk}: the disk's sizes when they could be read, else null.
   */
  public static MachineInspection of(
      MachineConfig c,
      MachineState state,
      String arch,
      Path configPath,
      Path apiSocket,
      Path savedState,
      Optional<Long> savedStateBytes,
      Disk disk) {
    MachineConfig.ImageInfo base = c.image();
    return new MachineInspection(
        PathValue.of(configPath),
        new ConnectionInfo(PathValue.of(apiSocket), null),
        Reports.time(c.created()),
        new Image(
            PathValue.of(c.ignitionPath()),
            Reports.stream(c),
            PathValue.of(c.diskPath()),
            base == null
                ? null
                : new BaseImage(base.version(), base.path().toString(), base.digest())),
        Reports.lastUp(c),
        c.name(),
        arch,
        new Resources(
            c.resources().cpus(),
            c.resources().diskSizeGiB(),
            c.resources().memoryMiB(),
            List.of()),
        new SshConfig(c.ssh().identityPath().toString(), c.ssh().port(), c.ssh().remoteUsername()),
        state.display().toLowerCase(Locale.ROOT),
        true,
        c.rootful(),
        c.mounts().stream()
            .map(m -> new Mount(m.source().toString(), m.target(), m.readOnly(), m.tag(), m.type()))
            .toList(),
        c.saveState(),
        savedStateBytes.map(size -> new SavedState(savedState.toString(), size)).orElse(null),
        disk);
  }
}
