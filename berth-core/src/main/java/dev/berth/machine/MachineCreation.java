package dev.berth.machine;

import static dev.berth.machine.Machines.DISK_FILE;
import static dev.berth.machine.Machines.IGNITION_FILE;
import static dev.berth.machine.Machines.KEY_FILE;

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
import dev.berth.image.Architecture;
import dev.berth.os.AtomicFiles;
import dev.berth.os.FileTrees;
import dev.berth.os.Host;
import dev.berth.qemu.DiskImages;
import dev.berth.qemu.QemuHost;
import dev.berth.ssh.MachineKeys;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code init}: validates every option, then stages the machine's disk, key, Ignition config and
 * description in hidden directories and publishes them by rename, so that a failure leaves nothing.
 */
final class MachineCreation {
  private final Host host;
  private final MachineStore store;
  private final MachineLocks locks;
  private final DiskImages disks;
  private final BaseImageResolver images;
  private final SystemConnections connections;
  private final DockerClients dockerClients;
  private final Clock clock;
  private final MachineChecks checks;

  MachineCreation(
      Host host,
      MachineStore store,
      MachineLocks locks,
      DiskImages disks,
      BaseImageResolver images,
      SystemConnections connections,
      DockerClients dockerClients,
      Clock clock,
      MachineChecks checks) {
    this.host = host;
    this.store = store;
    this.locks = locks;
    this.disks = disks;
    this.images = images;
    this.connections = connections;
    this.dockerClients = dockerClients;
    this.clock = clock;
    this.checks = checks;
  }

  private BerthDirs dirs() {
    return store.dirs();
  }

  /** Creates a machine: validates everything first, then commits by one rename. */
  MachineConfig init(InitOptions options, ProgressListener progress) {
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
    Architecture arch =
        Architecture.parse(options.arch() == null ? host.cpuArch() : options.arch());
    checks.validateResources(cpus, memory, diskGiB);
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
      QemuHost.emulationWarning(host, arch.streamName())
          .ifPresent(w -> progress.accept(new MachineEvent.Warning(w)));
      BaseImage base = images.resolve(options.image(), arch, progress);
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
          arch,
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
    dockerClients.checkFree(name, RuntimeFiles.of(dirs(), name).api());
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
        throw new BerthException(
            "cannot find a free port on 127.0.0.1: " + e.getMessage(), null, e);
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
      Architecture arch,
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
              saveState,
              arch);
      MachineStore.write(stagedConfig.resolve(MachineStore.DESCRIPTION), config);

      AtomicFiles.publishDirectory(stagedData, dataDir);
      dataPublished = true;
      AtomicFiles.publishDirectory(stagedConfig, configDir);
      stagedConfig = null;
      try {
        connections.add(connectionsOf(config));
      } catch (BerthException e) {
        FileTrees.delete(configDir);
        throw e;
      }
      try {
        dockerClients.register(name, RuntimeFiles.of(dirs(), name).api());
      } catch (BerthException e) {
        connections.remove(Set.of(name, Connection.rootName(name)), MachineName.DEFAULT);
        FileTrees.delete(configDir);
        throw e;
      }
      return config;
    } catch (IOException e) {
      throw new BerthException(
          "cannot create machine \"" + name + "\": " + e.getMessage(), null, e);
    } finally {
      FileTrees.deleteQuietly(stagedConfig);
      if (!dataPublished) {
        FileTrees.deleteQuietly(stagedData);
      }
      if (dataPublished && !store.exists(name)) {
        FileTrees.deleteQuietly(dataDir);
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
}
