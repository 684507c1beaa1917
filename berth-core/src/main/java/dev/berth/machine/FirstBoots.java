package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.qemu.DiskImages;
import dev.berth.ssh.HostKeyPin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A machine's first boot, begun on a fresh disk when an earlier one was cut short. Ignition
 * configures a guest once and cannot finish a configuration it was stopped in the middle of (a user
 * added but its home not made: the rerun fails and the guest sits in emergency mode). A machine
 * that was never up holds nothing of the user's, so its next first boot starts over: a new overlay
 * on the same base image, a new UEFI variable store, and no pinned host key (the new disk makes its
 * own). A mark beside the disk says a first boot has begun; the first time the machine is up
 * removes it.
 */
final class FirstBoots {
  static final String MARK_FILE = "first-boot-begun";

  private final MachineStore store;
  private final DiskImages disks;

  FirstBoots(MachineStore store, DiskImages disks) {
    this.store = store;
    this.disks = disks;
  }

  /** Marks that the first boot begins; returns whether an earlier one was cut short. */
  boolean begin(String name) {
    MachineConfig config = store.read(name);
    Path disk = config.diskPath();
    Path mark = disk.resolveSibling(MARK_FILE);
    try {
      if (!Files.exists(mark)) {
        Files.createFile(mark);
        return false;
      }
      Path base = config.image().path();
      if (!Files.isRegularFile(base)) {
        throw new BerthException(
            "the first boot of machine \""
                + name
                + "\" was cut short and cannot start over: its base image "
                + base
                + " is gone");
      }
      Files.deleteIfExists(
          HostKeyPin.ofMachine(store.dirs().machineConfig(name), name).knownHosts());
      Files.deleteIfExists(disk.resolveSibling(Machines.FIRMWARE_VARIABLES_FILE));
      Path fresh = disk.resolveSibling("." + Machines.DISK_FILE + ".fresh");
      Files.deleteIfExists(fresh);
      disks.createOverlay(base, config.image().format(), fresh, config.resources().diskSizeGiB());
      Files.move(fresh, disk, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return true;
    } catch (IOException e) {
      throw new BerthException(
          "cannot prepare the first boot of machine \"" + name + "\": " + e.getMessage(), null, e);
    }
  }

  /** The machine has been up: its disk is the user's from now on. */
  void completed(MachineConfig config) {
    Path mark = config.diskPath().resolveSibling(MARK_FILE);
    try {
      Files.deleteIfExists(mark);
    } catch (IOException e) {
      throw new BerthException("cannot remove " + mark + ": " + e.getMessage(), null, e);
    }
  }
}
