package dev.berth.machine;

import static dev.berth.machine.Machines.DISK_FILE;
import static dev.berth.machine.Machines.IGNITION_FILE;
import static dev.berth.machine.Machines.KEY_FILE;

import dev.berth.BerthException;
import dev.berth.connection.Connection;
import dev.berth.connection.DockerClients;
import dev.berth.connection.SystemConnections;
import dev.berth.os.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * {@code rm}, {@code reset} and discarding a saved state: stops what runs, unregisters the
 * machine's connections, then deletes its files.
 */
final class MachineRemoval {
  private final MachineStore store;
  private final MachineLocks locks;
  private final SystemConnections connections;
  private final DockerClients dockerClients;
  private final StateProbe states;
  private final MachineChecks checks;

  MachineRemoval(
      MachineStore store,
      MachineLocks locks,
      SystemConnections connections,
      DockerClients dockerClients,
      StateProbe states,
      MachineChecks checks) {
    this.store = store;
    this.locks = locks;
    this.connections = connections;
    this.dockerClients = dockerClients;
    this.states = states;
    this.checks = checks;
  }

  private BerthDirs dirs() {
    return store.dirs();
  }

  /** What {@code rm} would delete, in the order it is listed to the user. */
  List<Path> filesToRemove(String name, boolean saveImage, boolean saveIgnition) {
    List<Path> files = new ArrayList<>();
    Path configDir = dirs().machineConfig(name);
    Optional<MachineConfig> config = readable(name);
    if (!saveIgnition) {
      files.add(ignitionPath(name, config));
    }
    if (!saveImage) {
      files.add(diskPath(name, config));
    }
    for (Path state : new SavedStateFiles(diskPath(name, config)).all()) {
      if (Files.exists(state)) {
        files.add(state);
      }
    }
    files.add(configDir.resolve(KEY_FILE));
    files.add(configDir.resolve(KEY_FILE + ".pub"));
    files.add(store.descriptionFile(name));
    Path runtime = dirs().machineRuntime(name);
    if (Files.exists(runtime)) {
      files.add(runtime);
    }
    return files;
  }

  /**
   * Removes a machine, its connections and files. A running machine (an unresponsive one too) is
   * refused unless {@code force}. Then {@code stopper} runs, whatever the state: it stops the
   * machine, or a QEMU that a crashed agent left, and throws if it cannot, so that no disk is
   * deleted under a live QEMU.
   */
  void remove(
      String name, boolean force, boolean saveImage, boolean saveIgnition, Runnable stopper) {
    try (MachineLocks.Held lock = locks.machine(name)) {
      if (!Files.exists(dirs().machineConfig(name)) && !Files.exists(dirs().machineData(name))) {
        throw MachineStore.notFound(name);
      }
      if (!force) {
        checks.requireStopped(name, "remove it");
      }
      stopper.run();
      // beside the disk, which may live outside the machine's data directory
      removeSavedState(diskPath(name, readable(name)));
      connections.remove(Set.of(name, Connection.rootName(name)), MachineName.DEFAULT);
      dockerClients.unregister(name, RuntimeFiles.of(dirs(), name).api());
      Set<Path> keep = new HashSet<>();
      Optional<MachineConfig> config = readable(name);
      if (saveIgnition) {
        keep.add(ignitionPath(name, config));
      }
      if (saveImage) {
        keep.add(diskPath(name, config));
      }
      for (Path dir :
          List.of(
              dirs().machineConfig(name), dirs().machineData(name), dirs().machineRuntime(name))) {
        FileTrees.deleteExcept(dir, keep);
      }
      locks.deleteMachineLock(name);
    }
  }

  /**
   * Deletes the state the last stop saved, so the next start boots afresh; a running machine keeps
   * running (it has no saved state to lose). Returns whether there was one.
   */
  boolean discardSavedState(String name) {
    try (MachineLocks.Held lock = locks.machine(name)) {
      MachineConfig config = store.read(name);
      if (states.probe(name) != MachineState.STOPPED) {
        return false;
      }
      return removeSavedState(config.diskPath());
    }
  }

  static boolean removeSavedState(Path disk) {
    try {
      return new SavedStateFiles(disk).remove();
    } catch (IOException e) {
      throw new BerthException(
          "cannot delete the saved state beside " + disk + ": " + e.getMessage(), null, e);
    }
  }

  /** A machine's Ignition file: where its description says, or where init puts it. */
  private Path ignitionPath(String name, Optional<MachineConfig> config) {
    return config
        .map(MachineConfig::ignitionPath)
        .orElse(dirs().machineConfig(name).resolve(IGNITION_FILE));
  }

  /** A machine's disk: where its description says, or where init puts it. */
  private Path diskPath(String name, Optional<MachineConfig> config) {
    return config.map(MachineConfig::diskPath).orElse(dirs().machineData(name).resolve(DISK_FILE));
  }

  private Optional<MachineConfig> readable(String name) {
    try {
      return Optional.of(store.read(name));
    } catch (BerthException e) {
      return Optional.empty();
    }
  }

  /**
   * Removes every machine and all of Berth's files: config, data (the image cache too), runtime.
   * {@code stopper} runs for every machine, whatever its state, as for {@code rm}: a machine whose
   * agent crashed reads as stopped while the QEMU it left still writes to its disk.
   */
  void reset(Consumer<String> stopper) {
    try (MachineLocks.Held global = locks.global()) {
      for (MachineStore.Entry entry : store.list()) {
        stopper.accept(entry.name());
        connections.remove(
            Set.of(entry.name(), Connection.rootName(entry.name())), MachineName.DEFAULT);
        dockerClients.unregister(entry.name(), RuntimeFiles.of(dirs(), entry.name()).api());
      }
      FileTrees.deleteExcept(dirs().config(), Set.of());
      FileTrees.deleteExcept(dirs().runtime(), Set.of());
      FileTrees.deleteExcept(dirs().data(), Set.of(dirs().locks()));
    }
  }
}
