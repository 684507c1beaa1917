package dev.berth.ignition;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Mount points at the top of the guest's root for volumes such as macOS's {@code /Users} and {@code
 * /private}. Fedora CoreOS keeps {@code /} immutable, so systemd cannot make them and the mounts
 * fail; as podman does, a unit lifts the immutable attribute, makes them and restores it. It
 * touches the attribute only where it is set: on berth-os, whose {@code /} is an ordinary ext4
 * root, it only makes the directories.
 */
final class RootMountPoints {
  static final String UNIT = "berth-mount-points.service";
  static final String SCRIPT = "/etc/berth/make-mount-points";

  private RootMountPoints() {}

  /** The targets that are directories of {@code /} itself: only those need the attribute lifted. */
  static List<String> topLevel(List<MachineIgnition.Volume> volumes) {
    List<String> targets = new ArrayList<>();
    for (MachineIgnition.Volume volume : volumes) {
      Path parent = Path.of(volume.target()).getParent();
      if (parent != null && parent.getParent() == null && !targets.contains(volume.target())) {
        targets.add(volume.target());
      }
    }
    return targets;
  }

  static String script(List<String> targets) {
    StringBuilder quoted = new StringBuilder();
    for (String target : targets) {
      quoted.append(" '").append(target.replace("'", "'\\''")).append('\'');
    }
    return String.join(
        "\n",
        "#!/bin/sh",
        "immutable=false",
        "if command -v lsattr >/dev/null && lsattr -d / 2>/dev/null | cut -d ' ' -f 1 | grep -q i; then",
        "  immutable=true",
        "  chattr -i / || exit 1",
        "fi",
        "status=0",
        "mkdir -p --" + quoted + " || status=$?",
        "if [ \"$immutable\" = true ]; then",
        "  chattr +i / || status=1",
        "fi",
        "exit $status",
        "");
  }

  /** Runs before the mounts that need it, early in boot (mounts are local file systems). */
  static String unit() {
    return String.join(
        "\n",
        "[Unit]",
        "Description=Make mount points for host directories at the top of /",
        "DefaultDependencies=no",
        "After=local-fs-pre.target",
        "Before=local-fs.target",
        "",
        "[Service]",
        "Type=oneshot",
        "RemainAfterExit=yes",
        "ExecStart=/bin/sh " + SCRIPT,
        "");
  }

  /** What a mount unit of a top-level target adds to its [Unit] section. */
  static List<String> dependency() {
    return List.of("Requires=" + UNIT, "After=" + UNIT);
  }
}
