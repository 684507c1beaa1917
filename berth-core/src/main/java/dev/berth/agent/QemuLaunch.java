package dev.berth.agent;

import dev.berth.BerthException;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.Machines;
import dev.berth.machine.RuntimeFiles;
import dev.berth.net.config.NetworkConfig;
import dev.berth.os.Host;
import dev.berth.qemu.Accelerator;
import dev.berth.qemu.Firmware;
import dev.berth.qemu.QemuCommand;
import dev.berth.qemu.QemuHost;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU a machine's start runs on a host: its command line and what the user should be told
 * about it. Building it changes nothing; {@link #prepareFirmware} makes what the line needs.
 */
public record QemuLaunch(
    List<String> argv,
    List<String> warnings,
    QemuCommand.Platform platform,
    boolean bootsFirmware) {
  /**
   * What a machine of the host's own architecture is told when it runs emulated; a machine of
   * another architecture is told why instead ({@link QemuHost#emulationWarning}).
   */
  public static final String NO_HARDWARE_VIRTUALIZATION =
      "no hardware virtualization here: QEMU emulates the CPU in software (TCG), which is"
          + " 10-50x slower";

  public QemuLaunch {
    argv = List.copyOf(argv);
    warnings = List.copyOf(warnings);
  }

  public static QemuLaunch of(
      Host host,
      String name,
      MachineConfig config,
      RuntimeFiles files,
      Accelerator accelerator,
      QemuCommand.Network network,
      boolean firstBoot) {
    MachineConfig.ImageInfo image = config.image();
    String guestArch = config.guestArch(host);
    Accelerator chosen = QemuHost.forGuest(host, guestArch, accelerator);
    QemuHost.Setup setup =
        QemuHost.platform(
            host,
            guestArch,
            chosen,
            config.resources().memoryMiB(),
            config.diskPath().resolveSibling(Machines.FIRMWARE_VARIABLES_FILE));
    List<String> warnings = new ArrayList<>();
    if (chosen.isSoftware() && QemuHost.emulationWarning(host, guestArch).isEmpty()) {
      warnings.add(NO_HARDWARE_VIRTUALIZATION);
    }
    warnings.addAll(setup.warnings());
    List<QemuCommand.Share> shares = new ArrayList<>();
    for (MachineConfig.Mount mount : config.mounts()) {
      shares.add(new QemuCommand.Share(mount.source(), mount.tag(), mount.readOnly()));
    }
    List<String> argv =
        QemuCommand.build(
            setup.platform(),
            new QemuCommand.Guest(
                name,
                config.resources().cpus(),
                config.resources().memoryMiB(),
                config.diskPath(),
                image == null ? null : image.kernel(),
                image == null ? null : image.initrd(),
                firstBoot,
                config.ignitionPath(),
                shares,
                network),
            new QemuCommand.RuntimePaths(
                files.qmp(),
                files.ready(),
                files.console(),
                files.qemuPid(),
                files.guestAgent(),
                files.userQmp()));
    return new QemuLaunch(
        argv, warnings, setup.platform(), image == null || image.kernel() == null);
  }

  /**
   * What {@code berth start NAME} would run on {@code host} (this one, or one described for a
   * diagnosis), on Berth's network, with the accelerator {@code start} would choose there.
   */
  public static QemuLaunch preview(Machines machines, Host host, String name) {
    MachineConfig config = machines.status(name).config();
    RuntimeFiles files = new RuntimeFiles(machines.dirs().machineRuntime(name));
    return of(
        host,
        name,
        config,
        files,
        QemuHost.accelerator(host, config.guestArch(host)),
        new QemuCommand.Stream(files.network(), NetworkConfig.gvproxyDefaults().mtu()),
        config.lastUp() == null);
  }

  /** Copies the firmware's variable store template for a machine that boots through firmware. */
  public void prepareFirmware() {
    if (!bootsFirmware || platform.firmwareVariables() == null) {
      return;
    }
    Path variables = platform.firmwareVariables();
    try {
      Firmware.ensureVariables(platform.firmware().varsTemplate(), variables);
    } catch (IOException e) {
      throw new BerthException(
          "cannot make the machine's UEFI variable store " + variables + ": " + e.getMessage(),
          null,
          e);
    }
  }
}
