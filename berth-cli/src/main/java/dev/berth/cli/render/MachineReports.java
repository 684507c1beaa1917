package dev.berth.cli.render;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;

/** podman machine's JSON shapes for {@code list --format json} and {@code inspect}. */
public final class MachineReports {
  public static final String VM_TYPE = "qemu";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Go's zero time, which podman prints for a machine that never ran. */
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private MachineReports() {}

  /** One element of {@code list --format json}; sizes are strings of bytes, as podman's are. */
  public static ObjectNode listEntry(MachineConfig c, MachineState state, boolean isDefault) {
    ObjectNode o = MAPPER.createObjectNode();
    o.put("Name", c.name());
    o.put("Default", isDefault);
    o.put("Created", time(c.created()));
    o.put("LastUp", lastUp(c, state));
    o.put("Running", state == MachineState.RUNNING);
    o.put("Starting", state == MachineState.STARTING);
    o.put("Stream", stream(c));
    o.put("VMType", VM_TYPE);
    o.put("CPUs", c.resources().cpus());
    o.put("Memory", Long.toString(c.resources().memoryMiB() << 20));
    o.put("DiskSize", Long.toString(c.resources().diskSizeGiB() << 30));
    o.put("Port", c.ssh().port());
    o.put("RemoteUsername", c.ssh().remoteUsername());
    o.put("IdentityPath", c.ssh().identityPath().toString());
    o.put("UserModeNetworking", true);
    return o;
  }

  /** One element of {@code inspect}'s array. */
  public static ObjectNode inspect(
      MachineConfig c, MachineState state, Path configPath, Path apiSocket) {
    ObjectNode o = MAPPER.createObjectNode();
    o.putObject("ConfigPath").put("Path", configPath.toString());
    ObjectNode connection = o.putObject("ConnectionInfo");
    connection.putObject("PodmanSocket").put("Path", apiSocket.toString());
    connection.putNull("PodmanPipe");
    o.put("Created", time(c.created()));
    ObjectNode image = o.putObject("Image");
    image.putObject("IgnitionFilePath").put("Path", c.ignitionPath().toString());
    image.put("ImageStream", stream(c));
    image.putObject("ImagePath").put("Path", c.diskPath().toString());
    if (c.image() != null) {
      image.put("ImageVersion", c.image().version());
      image.put("BaseImage", c.image().path().toString());
      image.put("Digest", c.image().digest());
    }
    o.put("LastUp", lastUp(c, state));
    o.put("Name", c.name());
    ObjectNode resources = o.putObject("Resources");
    resources.put("CPUs", c.resources().cpus());
    resources.put("DiskSize", c.resources().diskSizeGiB());
    resources.put("Memory", c.resources().memoryMiB());
    resources.putArray("USBs");
    ObjectNode ssh = o.putObject("SSHConfig");
    ssh.put("IdentityPath", c.ssh().identityPath().toString());
    ssh.put("Port", c.ssh().port());
    ssh.put("RemoteUsername", c.ssh().remoteUsername());
    o.put("State", state.display().toLowerCase(java.util.Locale.ROOT));
    o.put("UserModeNetworking", true);
    o.put("Rootful", c.rootful());
    var mounts = o.putArray("Mounts");
    for (MachineConfig.Mount m : c.mounts()) {
      ObjectNode mount = mounts.addObject();
      mount.put("Source", m.source().toString());
      mount.put("Target", m.target());
      mount.put("ReadOnly", m.readOnly());
      mount.put("Tag", m.tag());
      mount.put("Type", m.type());
    }
    return o;
  }

  /** The LAST UP column: "Currently running", "Never", or how long ago. */
  public static String lastUpColumn(MachineConfig c, MachineState state, Instant now) {
    return switch (state) {
      case RUNNING, STOPPING -> "Currently running";
      case STARTING -> "Currently starting";
      case UNRESPONSIVE -> "Currently unresponsive";
      case STOPPED ->
          c.lastUp() == null
              ? "Never"
              : Humanize.duration(java.time.Duration.between(c.lastUp(), now)) + " ago";
    };
  }

  private static String lastUp(MachineConfig c, MachineState state) {
    return c.lastUp() == null ? ZERO_TIME : time(c.lastUp());
  }

  private static String stream(MachineConfig c) {
    return c.image() == null || c.image().stream() == null ? "default" : c.image().stream();
  }

  private static String time(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant);
  }
}
