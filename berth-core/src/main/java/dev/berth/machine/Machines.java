package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.ProgressListener;
import dev.berth.connection.DockerClients;
import dev.berth.connection.SystemConnections;
import dev.berth.os.Host;
import dev.berth.qemu.DiskImages;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The machines of one user: the operations behind {@code init}, {@code list}, {@code inspect},
 * {@code rm}, {@code set} and {@code reset}. Every operation takes the locks it needs, validates
 * before it writes, and leaves nothing behind when it fails. Creation, settings and removal are
 * each their own class; this one answers queries and hands the rest to them.
 */
public final class Machines {
  public static final String KEY_FILE = "id_ed25519";
  public static final String IGNITION_FILE = "ignition.ign";
  public static final String DISK_FILE = "disk.qcow2";

  /** The machine's own UEFI variable store, beside its disk: removed with the machine's data. */
  public static final String FIRMWARE_VARIABLES_FILE = "efi-vars.fd";

  private final Host host;
  private final MachineStore store;
  private final MachineLocks locks;
  private final DiskImages disks;
  private final SystemConnections connections;
  private final DockerClients dockerClients;
  private final StateProbe states;
  private final PrivateDirectories privateDirs;
  private final MachineCreation creation;
  private final MachineSettings settings;
  private final MachineRemoval removal;
  private final FirstBoots firstBoots;

  /**
   * Machines whose runtime directories are checked on {@code runtimeDirs}: the file system, or a
   * test's.
   */
  public Machines(
      Host host,
      BerthDirs dirs,
      DiskImages disks,
      BaseImageResolver images,
      SystemConnections connections,
      StateProbe states,
      Clock clock,
      PrivateDirectories.FileSystem runtimeDirs) {
    this.host = host;
    this.store = new MachineStore(dirs);
    this.locks = new MachineLocks(dirs.locks());
    this.disks = disks;
    this.connections = connections;
    this.states = states;
    this.privateDirs = new PrivateDirectories(runtimeDirs, host.uid());
    this.dockerClients = DockerClients.of(host, dirs.runtime());
    MachineChecks checks = new MachineChecks(host, states);
    this.creation =
        new MachineCreation(
            host, store, locks, disks, images, connections, dockerClients, clock, checks);
    this.settings = new MachineSettings(store, locks, disks, connections, checks);
    this.removal = new MachineRemoval(store, locks, connections, dockerClients, states, checks);
    this.firstBoots = new FirstBoots(store, disks);
  }

  public BerthDirs dirs() {
    return store.dirs();
  }

  public Host host() {
    return host;
  }

  /** A machine with its live state. */
  public record Status(MachineConfig config, MachineState state) {}

  /** Creates a machine: validates everything first, then commits by one rename. */
  public MachineConfig init(InitOptions options, ProgressListener progress) {
    return creation.init(options, progress);
  }

  // ---- queries ----

  public List<MachineStore.Entry> entries() {
    return store.list();
  }

  public Status status(String name) {
    MachineConfig config = store.read(name);
    return new Status(config, states.probe(name));
  }

  public MachineState state(String name) {
    return states.probe(name);
  }

  /** The machine the default podman connection points at, if any. */
  public Optional<String> defaultMachine() {
    return connections
        .defaultName()
        .map(n -> n.endsWith("-root") ? n.substring(0, n.length() - "-root".length()) : n)
        .filter(n -> MachineName.isValid(n) && store.exists(n));
  }

  /**
   * The runtime files (sockets, logs) of a machine. Throws if what exists of its runtime directory,
   * or of Berth's, is not the user's alone: nothing there could be trusted.
   */
  public RuntimeFiles runtime(String name) {
    Path dir = dirs().machineRuntime(name);
    privateDirs.checkExisting(dirs().runtime(), dir);
    return new RuntimeFiles(dir);
  }

  /**
   * The runtime files of a machine, its runtime directory and Berth's made if missing: both checked
   * to be the user's alone (mode 0700, not a symbolic link) before a socket goes there.
   */
  public RuntimeFiles createRuntime(String name) {
    return new RuntimeFiles(privateDirs.ensure(dirs().machineRuntime(name), dirs().runtime()));
  }

  /** The host API socket clients reach the machine's podman through. */
  public Path apiSocket(String name) {
    return runtime(name).api();
  }

  /** What {@code qemu-img} says of a machine's disk: its virtual size and the bytes it takes. */
  public DiskImages.Info diskInfo(String name) {
    return disks.info(store.read(name).diskPath());
  }

  /** Where the API socket of a machine is, whether or not its runtime directory exists. */
  private Path socketOf(String name) {
    return RuntimeFiles.of(dirs(), name).api();
  }

  /**
   * Points docker clients at a machine that has started: Docker Desktop's socket link if no running
   * machine or other program holds it; with {@code makeDefault}, also the docker CLI's current
   * context and the link even from another running machine. Returns the link when it leads to this
   * machine.
   */
  public Optional<Path> connectDockerClients(String name, boolean makeDefault) {
    store.read(name);
    Path socket = socketOf(name);
    boolean linked =
        makeDefault ? dockerClients.makeDefault(name, socket) : dockerClients.claimLink(socket);
    return linked ? Optional.of(dockerClients.linkPath()) : Optional.empty();
  }

  /**
   * Records when the machine was last up. Called by its agent, which takes no machine lock: the
   * agent owns the machine from when it answers (the {@code start} that launched it holds the lock
   * until then). No one else writes a running machine's description ({@code set} refuses, {@code
   * rm} stops it first).
   */
  public void recordLastUp(String name, java.time.Instant when) {
    MachineConfig config = store.read(name);
    store.write(config.withLastUp(when));
    firstBoots.completed(config);
  }

  /**
   * Called by the agent before a first boot (the machine never up): returns whether an earlier
   * first boot was cut short, in which case the machine starts over on a fresh disk ({@link
   * FirstBoots}).
   */
  public boolean beginFirstBoot(String name) {
    return firstBoots.begin(name);
  }

  /** The locks, for operations outside this class that must exclude each other (start, stop). */
  public MachineLocks locks() {
    return locks;
  }

  // ---- set ----

  /** What {@code set} changes; a null field is left as it is. */
  public record Changes(
      Integer cpus,
      Long memoryMiB,
      Long diskSizeGiB,
      Boolean rootful,
      Boolean publishAllAddresses,
      Boolean publishPrivilegedPorts,
      Boolean saveState,
      Boolean publishListeningPorts) {
    public Changes(Integer cpus, Long memoryMiB, Long diskSizeGiB, Boolean rootful) {
      this(cpus, memoryMiB, diskSizeGiB, rootful, null, null);
    }

    public Changes(
        Integer cpus,
        Long memoryMiB,
        Long diskSizeGiB,
        Boolean rootful,
        Boolean publishAllAddresses,
        Boolean publishPrivilegedPorts,
        Boolean saveState) {
      this(
          cpus,
          memoryMiB,
          diskSizeGiB,
          rootful,
          publishAllAddresses,
          publishPrivilegedPorts,
          saveState,
          null);
    }

    public Changes(
        Integer cpus,
        Long memoryMiB,
        Long diskSizeGiB,
        Boolean rootful,
        Boolean publishAllAddresses,
        Boolean publishPrivilegedPorts) {
      this(
          cpus, memoryMiB, diskSizeGiB, rootful, publishAllAddresses, publishPrivilegedPorts, null);
    }
  }

  public MachineConfig set(String name, Changes changes) {
    return settings.set(name, changes);
  }

  // ---- rm ----

  /** What {@code rm} would delete, in the order it is listed to the user. */
  public List<Path> filesToRemove(String name, boolean saveImage, boolean saveIgnition) {
    return removal.filesToRemove(name, saveImage, saveIgnition);
  }

  /**
   * Removes a machine, its connections and files. A running machine (an unresponsive one too) is
   * refused unless {@code force}. Then {@code stopper} runs, whatever the state: it stops the
   * machine, or a QEMU that a crashed agent left, and throws if it cannot, so that no disk is
   * deleted under a live QEMU.
   */
  public void remove(
      String name, boolean force, boolean saveImage, boolean saveIgnition, Runnable stopper) {
    removal.remove(name, force, saveImage, saveIgnition, stopper);
  }

  /**
   * Deletes the state the last stop saved, so the next start boots afresh; a running machine keeps
   * running (it has no saved state to lose). Returns whether there was one.
   */
  public boolean discardSavedState(String name) {
    return removal.discardSavedState(name);
  }

  /**
   * Base images that machines' disks are overlays of, by path: the cache must keep them. Throws if
   * a machine's description cannot be read, since that machine may use any image.
   */
  public Set<String> imagesInUse() {
    Set<String> inUse = new HashSet<>();
    for (MachineStore.Entry entry : store.list()) {
      if (!entry.readable()) {
        throw new BerthException(
            "cannot tell which images are in use: " + entry.error().getMessage(),
            entry.error().hint().orElse(null));
      }
      if (entry.config().image() != null) {
        inUse.add(entry.config().image().path().toString());
      }
    }
    return inUse;
  }

  // ---- reset ----

  /**
   * Removes every machine and all of Berth's files: config, data (the image cache too), runtime.
   * {@code stopper} runs for every machine, whatever its state, as for {@code rm}: a machine whose
   * agent crashed reads as stopped while the QEMU it left still writes to its disk.
   */
  public void reset(Consumer<String> stopper) {
    removal.reset(stopper);
  }
}
