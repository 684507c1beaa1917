package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.connection.Connection;
import dev.berth.connection.SystemConnections;
import dev.berth.qemu.DiskImages;

/** {@code set}: changes a stopped machine's resources, publishing, saved state and rootful mode. */
final class MachineSettings {
  private final MachineStore store;
  private final MachineLocks locks;
  private final DiskImages disks;
  private final SystemConnections connections;
  private final MachineChecks checks;

  MachineSettings(
      MachineStore store,
      MachineLocks locks,
      DiskImages disks,
      SystemConnections connections,
      MachineChecks checks) {
    this.store = store;
    this.locks = locks;
    this.disks = disks;
    this.connections = connections;
    this.checks = checks;
  }

  MachineConfig set(String name, Machines.Changes changes) {
    try (MachineLocks.Held lock = locks.machine(name)) {
      MachineConfig config = store.read(name);
      checks.requireStopped(name, "change its settings");
      MachineConfig.Resources old = config.resources();
      MachineConfig.Resources updated =
          new MachineConfig.Resources(
              changes.cpus() == null ? old.cpus() : changes.cpus(),
              changes.memoryMiB() == null ? old.memoryMiB() : changes.memoryMiB(),
              changes.diskSizeGiB() == null ? old.diskSizeGiB() : changes.diskSizeGiB());
      checks.validateResources(updated.cpus(), updated.memoryMiB(), updated.diskSizeGiB());
      if (updated.diskSizeGiB() < old.diskSizeGiB()) {
        throw new BerthException(
            "new disk size must be larger than the current "
                + old.diskSizeGiB()
                + " GiB: a disk can only grow",
            "pass --disk-size " + old.diskSizeGiB() + " or more");
      }
      if (updated.diskSizeGiB() > old.diskSizeGiB()) {
        disks.resize(config.diskPath(), updated.diskSizeGiB());
      }
      MachineConfig next = config.withResources(updated);
      MachineConfig.Publish publish = config.publish();
      next =
          next.withPublish(
              new MachineConfig.Publish(
                  changes.publishAllAddresses() == null
                      ? publish.allAddresses()
                      : changes.publishAllAddresses(),
                  changes.publishPrivilegedPorts() == null
                      ? publish.privilegedPorts()
                      : changes.publishPrivilegedPorts(),
                  changes.publishListeningPorts() == null
                      ? publish.listeningPorts()
                      : changes.publishListeningPorts()));
      if (changes.saveState() != null) {
        next = next.withSaveState(changes.saveState());
        if (!changes.saveState()) {
          MachineRemoval.removeSavedState(config.diskPath());
        }
      }
      if (changes.rootful() != null && changes.rootful() != config.rootful()) {
        next = next.withRootful(changes.rootful());
        String rootName = Connection.rootName(name);
        if (changes.rootful()) {
          connections.switchDefault(name, rootName);
        } else {
          connections.switchDefault(rootName, name);
        }
      }
      store.write(next);
      return next;
    }
  }
}
