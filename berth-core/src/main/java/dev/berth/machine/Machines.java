package dev.berth.machine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.BerthException;
import dev.berth.Json;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import dev.berth.connection.Connection;
import dev.berth.connection.DockerClients;
import dev.berth.connection.SystemConnections;
import dev.berth.ignition.IgnitionConfig;
import dev.berth.ignition.MachineIgnition;
import dev.berth.os.AtomicFiles;
import dev.berth.os.Host;
import dev.berth.qemu.DiskImages;
import dev.berth.ssh.MachineKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The machines of one user: the operations behind {@code init}, {@code list}, {@code inspect},
 * {@code rm}, {@code set} and {@code reset}. Every operation takes the locks it needs, validates
 * before it writes, and leaves nothing behind when it fails.
 */
public final class Machines {
  public static final String KEY_FILE = "id_ed25519";
  public static final String IGNITION_FILE = "ignition.ign";
  public static final String DISK_FILE = "disk.qcow2";

  private static final long MIN_MEMORY_MIB = 512;

  private final Host host;
  private final MachineStore store;
  private final MachineLocks locks;
  private final DiskImages disks;
  private final BaseImageResolver images;
  private final SystemConnections connections;
  private final DockerClients dockerClients;
  private final StateProbe states;
  private final Clock clock;
  private final PrivateDirectories privateDirs;

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
    this.images = images;
    this.connections = connections;
    this.states = states;
    this.clock = clock;
    this.privateDirs = new PrivateDirectories(runtimeDirs, host.uid());
    this.dockerClients = DockerClients.of(host, dirs.runtime());
  }

  public BerthDirs dirs() {
    return store.dirs();
  }

  public Host host() {
    return host;
  }

  /** A machine with its live state. */
  public record Status(MachineConfig config, MachineState state) {}

  // ---- init ----

  /** Creates a machine: validates everything first, then commits by one rename. */
  public MachineConfig init(InitOptions options, ProgressListener progress) {
    String name =
        MachineName.validate(options.name() == null ? MachineName.DEFAULT : options.name());
    int cpus = options.cpus() == null ? Math.max(1, host.cpus() / 2) : options.cpus();
    long hostMemoryMiB = host.memoryBytes() >> 20;
    long memory =
        options.memoryMiB() == null
            ? Math.min(InitOptions.DEFAULT_MEMORY_MIB, hostMemoryMiB)
            : options.memoryMiB();
    long diskGiB =
        options.diskSizeGiB() == null ? InitOptions.DEFAULT_DISK_GIB : options.diskSizeGiB();
    String user = options.username() == null ? InitOptions.DEFAULT_USER : options.username();
    validateResources(cpus, memory, diskGiB);
    if (UserName.validate(user).equals("root")) {
      throw new BerthException(
          "invalid user name \"root\"",
          "use a lower-case name of letters, digits, '_' and '-' other than root");
    }
    String timezone = timezone(options.timezone());
    List<Volumes.Spec> volumes =
        Volumes.parseAll(
            options.volumes() == null ? Volumes.defaults(host) : options.volumes(), host);
    Path userIgnition = null;
    if (options.ignitionPath() != null) {
      userIgnition = options.ignitionPath().toAbsolutePath();
      if (!Files.isRegularFile(userIgnition)) {
        throw new BerthException(
            "ignition file " + userIgnition + " does not exist",
            "pass an existing Ignition config with --ignition-path");
      }
      requireJsonObject(userIgnition);
    }

    try (MachineLocks.Held global = locks.global()) {
      checkFree(name);
      BaseImage base = images.resolve(options.image(), progress);
      DiskImages.Info baseInfo = disks.info(base.path());
      long baseGiB = (baseInfo.virtualSize() + DiskImages.GIB - 1) / DiskImages.GIB;
      if (diskGiB < baseGiB) {
        throw new BerthException(
            "disk size " + diskGiB + " GiB is smaller than the image (" + baseGiB + " GiB)",
            "pass --disk-size " + baseGiB + " or more");
      }
      int port = allocatePort();
      int uid = host.uid() == 0 ? 1000 : host.uid();
      return create(
          name,
          base,
          new MachineConfig.Resources(cpus, memory, diskGiB),
          user,
          uid,
          port,
          volumes,
          userIgnition,
          options.rootful(),
          timezone,
          options.publish(),
          options.saveState(),
          progress);
    }
  }

  /**
   * An Ignition config is a JSON object; anything else would fail only in the guest's first boot.
   */
  private static void requireJsonObject(Path ignition) {
    String hint = "pass an Ignition config (a JSON object) with --ignition-path";
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(ignition.toFile());
    } catch (JsonProcessingException e) {
      throw new BerthException(
          "ignition file " + ignition + " is not JSON: " + e.getOriginalMessage(), hint, e);
    } catch (IOException e) {
      throw new BerthException(
          "cannot read ignition file " + ignition + ": " + e.getMessage(), hint, e);
    }
    if (tree == null || !tree.isObject()) {
      throw new BerthException("ignition file " + ignition + " is not a JSON object", hint);
    }
  }

  private void validateResources(int cpus, long memoryMiB, long diskGiB) {
    if (cpus < 1 || cpus > host.cpus()) {
      throw new BerthException(
          "cannot give the machine " + cpus + " CPUs: this host has " + host.cpus(),
          "pass --cpus between 1 and " + host.cpus());
    }
    long hostMemoryMiB = host.memoryBytes() >> 20;
    if (memoryMiB < MIN_MEMORY_MIB || memoryMiB > hostMemoryMiB) {
      throw new BerthException(
          "cannot give the machine " + memoryMiB + " MiB of memory",
          "pass --memory between " + MIN_MEMORY_MIB + " and " + hostMemoryMiB + " (MiB)");
    }
    if (diskGiB < 1) {
      throw new BerthException(
          "invalid disk size " + diskGiB + " GiB", "pass --disk-size of at least 1 (GiB)");
    }
  }

  private String timezone(String requested) {
    if (requested == null || requested.isEmpty() || requested.equals("local")) {
      return host.timezoneName();
    }
    try {
      ZoneId.of(requested);
      return requested;
    } catch (DateTimeException e) {
      throw new BerthException(
          "unknown time zone \"" + requested + "\"",
          "pass an IANA zone such as Europe/Berlin or UTC, or \"local\" for the host's");
    }
  }

  private void checkFree(String name) {
    if (store.exists(name)) {
      throw new BerthException(
          "machine \"" + name + "\" already exists",
          "pick another name, or remove it first with: berth rm " + name);
    }
    Set<String> taken = connections.names();
    for (String connection : List.of(name, Connection.rootName(name))) {
      if (taken.contains(connection)) {
        throw new BerthException(
            "a podman system connection named \"" + connection + "\" already exists",
            "pick another machine name, or remove it with: podman system connection rm "
                + connection);
      }
    }
    dockerClients.checkFree(name, socketOf(name));
    for (Path leftover : List.of(dirs().machineConfig(name), dirs().machineData(name))) {
      if (Files.exists(leftover)) {
        throw new BerthException(
            "directory " + leftover + " is left from a removed machine \"" + name + "\"",
            "move away what you want to keep from it, then delete it");
      }
    }
  }

  /** A free loopback port for the machine's SSH, not promised to another machine. */
  private int allocatePort() {
    Set<Integer> promised = new HashSet<>();
    for (MachineStore.Entry entry : store.list()) {
      if (entry.readable()) {
        promised.add(entry.config().ssh().port());
      }
    }
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (!promised.contains(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new BerthException("cannot find a free port on 127.0.0.1: " + e.getMessage());
      }
    }
    throw new BerthException("cannot find a free port on 127.0.0.1 for the machine's SSH");
  }

  private MachineConfig create(
      String name,
      BaseImage base,
      MachineConfig.Resources resources,
      String user,
      int uid,
      int port,
      List<Volumes.Spec> volumes,
      Path userIgnition,
      boolean rootful,
      String timezone,
      MachineConfig.Publish publish,
      boolean saveState,
      ProgressListener progress) {
    Path configDir = dirs().machineConfig(name);
    Path dataDir = dirs().machineData(name);
    Path stagedConfig = null;
    Path stagedData = null;
    boolean dataPublished = false;
    try {
      Files.createDirectories(dirs().machinesConfig());
      Files.createDirectories(dirs().machinesData());
      stagedData = Files.createTempDirectory(dirs().machinesData(), "." + name + ".init-");
      stagedConfig =
          Files.createTempDirectory(
              dirs().machinesConfig(),
              "." + name + ".init-",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));

      progress.accept(new MachineEvent.Step("Creating disk (" + resources.diskSizeGiB() + " GiB)"));
      disks.createOverlay(
          base.path(), base.format(), stagedData.resolve(DISK_FILE), resources.diskSizeGiB());

      progress.accept(new MachineEvent.Step("Generating SSH key"));
      MachineKeys.Written key =
          MachineKeys.generate(stagedConfig.resolve(KEY_FILE), user + "@" + name);

      List<MachineConfig.Mount> mounts = new ArrayList<>();
      List<MachineIgnition.Volume> ignitionVolumes = new ArrayList<>();
      for (int i = 0; i < volumes.size(); i++) {
        Volumes.Spec v = volumes.get(i);
        String tag = "vol" + i;
        mounts.add(new MachineConfig.Mount(v.source(), v.target(), v.readOnly(), tag, "9p"));
        ignitionVolumes.add(new MachineIgnition.Volume(tag, v.target(), v.readOnly()));
      }

      progress.accept(new MachineEvent.Step("Writing Ignition config"));
      Path ignition = stagedConfig.resolve(IGNITION_FILE);
      if (userIgnition != null) {
        Files.copy(userIgnition, ignition);
      } else {
        IgnitionConfig content =
            MachineIgnition.build(
                new MachineIgnition.Params(
                    name, user, uid, key.authorizedKey(), rootful, timezone, ignitionVolumes));
        Files.write(ignition, Json.compact().writeValueAsBytes(content));
      }

      MachineConfig config =
          new MachineConfig(
              MachineConfig.SCHEMA_VERSION,
              name,
              clock.instant(),
              null,
              new MachineConfig.ImageInfo(
                  base.path(),
                  base.format(),
                  base.digest(),
                  base.source(),
                  base.stream(),
                  base.version(),
                  base.kernel(),
                  base.initrd()),
              dataDir.resolve(DISK_FILE),
              configDir.resolve(IGNITION_FILE),
              userIgnition != null,
              resources,
              new MachineConfig.SshConfig(configDir.resolve(KEY_FILE), port, user),
              mounts,
              rootful,
              uid,
              timezone,
              publish,
              saveState);
      MachineStore.write(stagedConfig.resolve(MachineStore.DESCRIPTION), config);

      AtomicFiles.publishDirectory(stagedData, dataDir);
      dataPublished = true;
      AtomicFiles.publishDirectory(stagedConfig, configDir);
      stagedConfig = null;
      try {
        connections.add(connectionsOf(config));
      } catch (BerthException e) {
        deleteTree(configDir);
        throw e;
      }
      try {
        dockerClients.register(name, socketOf(name));
      } catch (BerthException e) {
        connections.remove(Set.of(name, Connection.rootName(name)), MachineName.DEFAULT);
        deleteTree(configDir);
        throw e;
      }
      return config;
    } catch (IOException e) {
      throw new BerthException("cannot create machine \"" + name + "\": " + e.getMessage());
    } finally {
      deleteQuietly(stagedConfig);
      if (!dataPublished) {
        deleteQuietly(stagedData);
      }
      if (dataPublished && !store.exists(name)) {
        deleteQuietly(dataDir);
      }
    }
  }

  /** The connections of a machine, the rootful one first when the machine is rootful. */
  static List<Connection> connectionsOf(MachineConfig config) {
    Connection rootless =
        Connection.rootless(
            config.name(),
            config.ssh().port(),
            config.ssh().remoteUsername(),
            config.uid(),
            config.ssh().identityPath());
    Connection root =
        Connection.rootful(config.name(), config.ssh().port(), config.ssh().identityPath());
    return config.rootful() ? List.of(root, rootless) : List.of(rootless, root);
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
    return new RuntimeFiles(dirs().machineRuntime(name)).api();
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
    store.write(store.read(name).withLastUp(when));
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
    try (MachineLocks.Held lock = locks.machine(name)) {
      MachineConfig config = store.read(name);
      requireStopped(name, "change its settings");
      MachineConfig.Resources old = config.resources();
      MachineConfig.Resources updated =
          new MachineConfig.Resources(
              changes.cpus() == null ? old.cpus() : changes.cpus(),
              changes.memoryMiB() == null ? old.memoryMiB() : changes.memoryMiB(),
              changes.diskSizeGiB() == null ? old.diskSizeGiB() : changes.diskSizeGiB());
      validateResources(updated.cpus(), updated.memoryMiB(), updated.diskSizeGiB());
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
          removeSavedState(config.diskPath());
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

  private void requireStopped(String name, String action) {
    MachineState state = states.probe(name);
    if (state != MachineState.STOPPED) {
      throw new BerthException(
          "machine \""
              + name
              + "\" is "
              + state.display().toLowerCase(java.util.Locale.ROOT)
              + ": cannot "
              + action
              + " while it runs",
          "stop it first with: berth stop " + name);
    }
  }

  // ---- rm ----

  /** What {@code rm} would delete, in the order it is listed to the user. */
  public List<Path> filesToRemove(String name, boolean saveImage, boolean saveIgnition) {
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
  public void remove(
      String name, boolean force, boolean saveImage, boolean saveIgnition, Runnable stopper) {
    try (MachineLocks.Held lock = locks.machine(name)) {
      if (!Files.exists(dirs().machineConfig(name)) && !Files.exists(dirs().machineData(name))) {
        throw MachineStore.notFound(name);
      }
      if (!force) {
        requireStopped(name, "remove it");
      }
      stopper.run();
      // beside the disk, which may live outside the machine's data directory
      removeSavedState(diskPath(name, readable(name)));
      connections.remove(Set.of(name, Connection.rootName(name)), MachineName.DEFAULT);
      dockerClients.unregister(name, socketOf(name));
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
        deleteTreeExcept(dir, keep);
      }
      locks.deleteMachineLock(name);
    }
  }

  /**
   * Deletes the state the last stop saved, so the next start boots afresh; a running machine keeps
   * running (it has no saved state to lose). Returns whether there was one.
   */
  public boolean discardSavedState(String name) {
    try (MachineLocks.Held lock = locks.machine(name)) {
      MachineConfig config = store.read(name);
      if (states.probe(name) != MachineState.STOPPED) {
        return false;
      }
      return removeSavedState(config.diskPath());
    }
  }

  private static boolean removeSavedState(Path disk) {
    try {
      return new SavedStateFiles(disk).remove();
    } catch (IOException e) {
      throw new BerthException(
          "cannot delete the saved state beside " + disk + ": " + e.getMessage());
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
  public void reset(java.util.function.Consumer<String> stopper) {
    try (MachineLocks.Held global = locks.global()) {
      for (MachineStore.Entry entry : store.list()) {
        stopper.accept(entry.name());
        connections.remove(
            Set.of(entry.name(), Connection.rootName(entry.name())), MachineName.DEFAULT);
        dockerClients.unregister(entry.name(), socketOf(entry.name()));
      }
      deleteTreeExcept(dirs().config(), Set.of());
      deleteTreeExcept(dirs().runtime(), Set.of());
      deleteTreeExcept(dirs().data(), Set.of(dirs().locks()));
    }
  }

  // ---- files ----

  private static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      deleteTree(dir);
    } catch (BerthException e) {
      // best effort while unwinding a failure; the original error is what the user needs
    }
  }

  static void deleteTree(Path dir) {
    deleteTreeExcept(dir, Set.of());
  }

  /** Deletes a tree, leaving the paths in {@code keep} and the directories that hold them. */
  static void deleteTreeExcept(Path root, Set<Path> keep) {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return keep.contains(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              if (!keep.contains(file)) {
                Files.delete(file);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              try (Stream<Path> rest = Files.list(dir)) {
                if (rest.findAny().isEmpty()) {
                  Files.delete(dir);
                }
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new BerthException("cannot delete " + root + ": " + e.getMessage());
    }
  }
}
