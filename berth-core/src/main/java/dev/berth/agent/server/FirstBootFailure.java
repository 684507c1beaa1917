package dev.berth.agent.server;

import dev.berth.BerthException;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.RuntimeFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A guest whose first-boot configuration (Ignition) failed says so on the ready port instead of
 * {@code Ready} (berth-os's {@code ignition-firstboot}), so that {@code start} fails at once rather
 * than at its timeout, with the commands that recreate the machine.
 */
final class FirstBootFailure {
  /** The line the guest writes on the ready port when Ignition failed. */
  static final String LINE = "IgnitionFailed";

  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:=@%+,-]+");

  private FirstBootFailure() {}

  static BerthException of(MachineConfig config, RuntimeFiles files) {
    return new BerthException(
        "machine \""
            + config.name()
            + "\" did not start: its first-boot configuration (Ignition)"
            + " failed in the guest, which cannot configure it again",
        "the console log is "
            + files.console()
            + "; recreate the machine with: "
            + recreateCommand(config));
  }

  /** {@code berth rm -f NAME && berth init … NAME} with the options the machine was made with. */
  static String recreateCommand(MachineConfig config) {
    List<String> init = new ArrayList<>(List.of("berth", "init"));
    if (config.image() != null && config.image().source() != null) {
      init.addAll(List.of("--image", config.image().source()));
    }
    init.addAll(
        List.of(
            "--cpus", Integer.toString(config.resources().cpus()),
            "--memory", Long.toString(config.resources().memoryMiB()),
            "--disk-size", Long.toString(config.resources().diskSizeGiB()),
            "--username", config.ssh().remoteUsername(),
            "--timezone", config.timezone()));
    for (MachineConfig.Mount mount : config.mounts()) {
      init.addAll(
          List.of("-v", mount.source() + ":" + mount.target() + (mount.readOnly() ? ":ro" : "")));
    }
    if (config.rootful()) {
      init.add("--rootful");
    }
    if (config.userIgnition()) {
      init.addAll(List.of("--ignition-path", "YOUR-IGNITION-FILE"));
    }
    init.add(config.name());
    return "berth rm -f " + config.name() + " && " + String.join(" ", quoted(init));
  }

  private static List<String> quoted(List<String> words) {
    List<String> quoted = new ArrayList<>();
    for (String word : words) {
      quoted.add(PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'");
    }
    return quoted;
  }
}
