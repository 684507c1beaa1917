package dev.berth.machine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.image.Architecture;
import dev.berth.os.Host;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The description of one machine, stored as JSON in its config directory. It holds only what the
 * user declared and what init decided; everything that depends on the running state (pids, sockets)
 * is derived or probed, never stored.
 *
 * <p>Field names follow podman machine's JSON where the meaning is the same.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record MachineConfig(
    @JsonProperty("SchemaVersion") int schemaVersion,
    @JsonProperty("Name") String name,
    @JsonProperty("Created") Instant created,
    @JsonProperty("LastUp") Instant lastUp,
    @JsonProperty("Image") ImageInfo image,
    @JsonProperty("DiskPath") Path diskPath,
    @JsonProperty("IgnitionPath") Path ignitionPath,
    @JsonProperty("UserIgnition") boolean userIgnition,
    @JsonProperty("Resources") Resources resources,
    @JsonProperty("SSH") SshConfig ssh,
    @JsonProperty("Mounts") List<Mount> mounts,
    @JsonProperty("Rootful") boolean rootful,
    @JsonProperty("UID") int uid,
    @JsonProperty("Timezone") String timezone,
    @JsonProperty("Publish") Publish publish,
    @JsonProperty("SaveState") Boolean saveState,
    @JsonProperty("Arch") Architecture arch) {

  /** The schema this code writes; a newer one is refused rather than misread. */
  public static final int SCHEMA_VERSION = 1;

  /**
   * Whether a machine saves its state on stop unless told: also for a description written before
   * the setting existed.
   */
  public static final boolean SAVE_STATE_BY_DEFAULT = false;

  public MachineConfig {
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    publish = publish == null ? Publish.LOOPBACK : publish;
    saveState = saveState == null ? SAVE_STATE_BY_DEFAULT : saveState;
  }

  /** A machine of the host's architecture ({@link #guestArch}). */
  public MachineConfig(
      int schemaVersion,
      String name,
      Instant created,
      Instant lastUp,
      ImageInfo image,
      Path diskPath,
      Path ignitionPath,
      boolean userIgnition,
      Resources resources,
      SshConfig ssh,
      List<Mount> mounts,
      boolean rootful,
      int uid,
      String timezone,
      Publish publish,
      Boolean saveState) {
    this(
        schemaVersion,
        name,
        created,
        lastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        resources,
        ssh,
        mounts,
        rootful,
        uid,
        timezone,
        publish,
        saveState,
        null);
  }

  /**
   * A machine of the host's architecture that saves its state as {@link #SAVE_STATE_BY_DEFAULT}.
   */
  public MachineConfig(
      int schemaVersion,
      String name,
      Instant created,
      Instant lastUp,
      ImageInfo image,
      Path diskPath,
      Path ignitionPath,
      boolean userIgnition,
      Resources resources,
      SshConfig ssh,
      List<Mount> mounts,
      boolean rootful,
      int uid,
      String timezone,
      Publish publish) {
    this(
        schemaVersion,
        name,
        created,
        lastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        resources,
        ssh,
        mounts,
        rootful,
        uid,
        timezone,
        publish,
        null);
  }

  /** A machine that publishes ports as every machine does by default ({@link Publish#LOOPBACK}). */
  public MachineConfig(
      int schemaVersion,
      String name,
      Instant created,
      Instant lastUp,
      ImageInfo image,
      Path diskPath,
      Path ignitionPath,
      boolean userIgnition,
      Resources resources,
      SshConfig ssh,
      List<Mount> mounts,
      boolean rootful,
      int uid,
      String timezone) {
    this(
        schemaVersion,
        name,
        created,
        lastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        resources,
        ssh,
        mounts,
        rootful,
        uid,
        timezone,
        null,
        null);
  }

  /**
   * Where the guest may publish ports on the host (podman's {@code -p} in the machine). By default
   * on the host's loopback only and from port 1024: the guest runs other people's images, and only
   * the user opens the LAN or the privileged ports to them.
   *
   * @param allAddresses forwards may listen on any host address ({@code -p 0.0.0.0:80:80})
   * @param privilegedPorts forwards may listen on host ports below 1024
   * @param listeningPorts every port a program in the machine listens on is forwarded from the same
   *     port on the host's loopback (true where a description predates the setting)
   */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Publish(
      @JsonProperty("AllAddresses") boolean allAddresses,
      @JsonProperty("PrivilegedPorts") boolean privilegedPorts,
      @JsonProperty("ListeningPorts") Boolean listeningPorts) {
    public static final Publish LOOPBACK = new Publish(false, false);

    public Publish {
      listeningPorts = listeningPorts == null ? Boolean.TRUE : listeningPorts;
    }

    /** Listening ports forwarded, as by default. */
    public Publish(boolean allAddresses, boolean privilegedPorts) {
      this(allAddresses, privilegedPorts, true);
    }
  }

  /** The base image the machine's disk is an overlay of. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record ImageInfo(
      @JsonProperty("Path") Path path,
      @JsonProperty("Format") String format,
      @JsonProperty("Digest") String digest,
      @JsonProperty("Source") String source,
      @JsonProperty("Stream") String stream,
      @JsonProperty("Version") String version,
      @JsonProperty("Kernel") Path kernel,
      @JsonProperty("Initrd") Path initrd) {}

  /** CPUs, memory in MiB, disk in GiB: podman's units. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Resources(
      @JsonProperty("CPUs") int cpus,
      @JsonProperty("Memory") long memoryMiB,
      @JsonProperty("DiskSize") long diskSizeGiB) {}

  @JsonIgnoreProperties(ignoreUnknown = true)
  public record SshConfig(
      @JsonProperty("IdentityPath") Path identityPath,
      @JsonProperty("Port") int port,
      @JsonProperty("RemoteUsername") String remoteUsername) {}

  /** A host directory shared into the machine over 9p; the tag names it on the virtio bus. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Mount(
      @JsonProperty("Source") Path source,
      @JsonProperty("Target") String target,
      @JsonProperty("ReadOnly") boolean readOnly,
      @JsonProperty("Tag") String tag,
      @JsonProperty("Type") String type) {}

  /**
   * The first field Berth needs that this description lacks, by its JSON name ("SSH.Port" style),
   * or empty. A description cut short or edited by hand is refused on load, not met later as a
   * null.
   */
  public Optional<String> missingField() {
    Map<String, Object> required = new LinkedHashMap<>();
    required.put("Name", name);
    required.put("Created", created);
    required.put("DiskPath", diskPath);
    required.put("IgnitionPath", ignitionPath);
    required.put("Resources", resources);
    required.put("SSH", ssh);
    if (ssh != null) {
      required.put("SSH.IdentityPath", ssh.identityPath());
      required.put("SSH.RemoteUsername", ssh.remoteUsername());
    }
    if (image != null) {
      required.put("Image.Path", image.path());
    }
    for (int i = 0; i < mounts.size(); i++) {
      Mount mount = mounts.get(i);
      String at = "Mounts[" + i + "]";
      required.put(at + ".Source", mount.source());
      required.put(at + ".Target", mount.target());
      required.put(at + ".Tag", mount.tag());
    }
    return required.entrySet().stream()
        .filter(field -> field.getValue() == null)
        .map(Map.Entry::getKey)
        .findFirst();
  }

  /**
   * The machine's guest architecture: as recorded, or the processor's for a description written
   * before machines had one (they were all of the host's architecture).
   */
  public String guestArch(Host host) {
    return arch == null ? host.cpuArch() : arch.streamName();
  }

  public MachineConfig withResources(Resources newResources) {
    return new MachineConfig(
        schemaVersion,
        name,
        created,
        lastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        newResources,
        ssh,
        mounts,
        rootful,
        uid,
        timezone,
        publish,
        saveState,
        arch);
  }

  public MachineConfig withRootful(boolean newRootful) {
    return new MachineConfig(
        schemaVersion,
        name,
        created,
        lastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        resources,
        ssh,
        mounts,
        newRootful,
        uid,
        timezone,
        publish,
        saveState,
        arch);
  }

  public MachineConfig withLastUp(Instant newLastUp) {
    return new MachineConfig(
        schemaVersion,
        name,
        created,
        newLastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        resources,
        ssh,
        mounts,
        rootful,
        uid,
        timezone,
        publish,
        saveState,
        arch);
  }

  public MachineConfig withPublish(Publish newPublish) {
    return new MachineConfig(
        schemaVersion,
        name,
        created,
        lastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        resources,
        ssh,
        mounts,
        rootful,
        uid,
        timezone,
        newPublish,
        saveState,
        arch);
  }

  public MachineConfig withSaveState(boolean newSaveState) {
    return new MachineConfig(
        schemaVersion,
        name,
        created,
        lastUp,
        image,
        diskPath,
        ignitionPath,
        userIgnition,
        resources,
        ssh,
        mounts,
        rootful,
        uid,
        timezone,
        publish,
        newSaveState,
        arch);
  }
}
