package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import dev.berth.connection.SystemConnections;
import dev.berth.image.Architecture;
import dev.berth.os.Host;
import dev.berth.qemu.DiskImages;
import dev.berth.testing.FakeQemuImg;
import dev.berth.testing.TestHosts;
import dev.berth.testing.TreeSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachinesTest {
  @TempDir Path dir;

  private final FakeQemuImg qemuImg = new FakeQemuImg();
  private final Map<String, MachineState> states = new HashMap<>();
  private Host host;
  private Machines machines;
  private Path base;
  private final List<Architecture> resolvedFor = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    host = TestHosts.under(dir);
    Files.createDirectories(host.home());
    base = Files.writeString(dir.resolve("base.qcow2"), "base");
    BerthDirs dirs = BerthDirs.from(host);
    BaseImageResolver resolver =
        (image, arch, progress) -> {
          resolvedFor.add(arch);
          if (!Path.of(image).equals(base)) {
            throw new BerthException("image file " + image + " does not exist");
          }
          return new BaseImage(base, "qcow2", "sha256:00", image, "custom", null, null, null);
        };
    machines =
        new Machines(
            host,
            dirs,
            new DiskImages(qemuImg),
            resolver,
            SystemConnections.of(host),
            name -> states.getOrDefault(name, MachineState.STOPPED),
            Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC),
            PrivateDirectories.POSIX);
  }

  private InitOptions options(String name) {
    return new InitOptions(name, base.toString(), null, null, 20L, null, null, null, false, null);
  }

  @Test
  void init_defaults_writeDescriptionKeysIgnitionDiskAndConnections() throws Exception {
    MachineConfig config = machines.init(options(null), ProgressListener.NONE);

    assertThat(config.name()).isEqualTo("berth-default");
    assertThat(config.resources()).isEqualTo(new MachineConfig.Resources(2, 2048, 20));
    assertThat(config.created()).isEqualTo(Instant.parse("2026-11-28T10:00:00Z"));
    assertThat(config.ssh().remoteUsername()).isEqualTo("core");
    assertThat(config.ssh().port()).isBetween(1, 65535);
    assertThat(config.uid()).isEqualTo(1000);
    assertThat(config.timezone()).isEqualTo("Europe/Berlin");
    assertThat(config.mounts())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.source()).isEqualTo(host.home());
              assertThat(m.tag()).isEqualTo("vol0");
            });
    Path configDir = machines.dirs().machineConfig("berth-default");
    assertThat(TreeSnapshot.of(configDir))
        .containsExactly("", "id_ed25519", "id_ed25519.pub", "ignition.ign", "machine.json");
    assertThat(Files.getPosixFilePermissions(configDir))
        .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    assertThat(config.diskPath()).exists();
    assertThat(qemuImg.calls)
        .anySatisfy(
            argv ->
                assertThat(argv)
                    .startsWith(
                        "qemu-img",
                        "create",
                        "-q",
                        "-f",
                        "qcow2",
                        "-b",
                        base.toString(),
                        "-F",
                        "qcow2")
                    .endsWith("20G"));
    assertThat(SystemConnections.of(host).names())
        .containsExactly("berth-default", "berth-default-root");
    assertThat(machines.defaultMachine()).contains("berth-default");
    assertThat(machines.imagesInUse()).containsExactly(base.toString());
  }

  private InitOptions options(String name, String arch) {
    return new InitOptions(
        name, base.toString(), null, null, 20L, null, null, null, false, null, null, true, arch);
  }

  @Test
  void init_arch_pickedImageAndDescriptionAreOfThatArchitecture_withAWarning() throws Exception {
    List<MachineEvent> events = new ArrayList<>();
    MachineConfig config = machines.init(options("arm", "arm64"), events::add);

    assertThat(config.arch()).isEqualTo(Architecture.AARCH64);
    assertThat(resolvedFor).containsExactly(Architecture.AARCH64);
    assertThat(Files.readString(machines.dirs().machineConfig("arm").resolve("machine.json")))
        .contains("\"Arch\" : \"aarch64\"");
    assertThat(machines.status("arm").config().guestArch(host)).isEqualTo("aarch64");
    assertThat(events)
        .filteredOn(MachineEvent.Warning.class::isInstance)
        .singleElement()
        .satisfies(
            w ->
                assertThat(w.toString())
                    .contains("aarch64 machine on an x86_64 host")
                    .contains("TCG"));
  }

  @Test
  void init_withoutArch_theHostsArchitecture_noWarning() {
    List<MachineEvent> events = new ArrayList<>();
    MachineConfig config = machines.init(options("m", null), events::add);
    assertThat(config.arch()).isEqualTo(Architecture.X86_64);
    assertThat(resolvedFor).containsExactly(Architecture.X86_64);
    assertThat(events).noneMatch(MachineEvent.Warning.class::isInstance);
    assertThat(machines.init(options("n", "amd64"), ProgressListener.NONE).arch())
        .isEqualTo(Architecture.X86_64);
  }

  @Test
  void init_unknownArch_refusedNamingTheAcceptedOnes_nothingBehind() throws Exception {
    List<String> before = TreeSnapshot.of(dir);
    assertThatThrownBy(() -> machines.init(options("m", "riscv64"), ProgressListener.NONE))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("riscv64")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .hasValueSatisfying(
                        h ->
                            assertThat(h)
                                .contains("x86_64")
                                .contains("aarch64")
                                .contains("arm64")));
    assertThat(resolvedFor).isEmpty();
    assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
  }

  @Test
  void descriptionWithoutArch_isOfTheHostsArchitecture() throws Exception {
    machines.init(options("old"), ProgressListener.NONE);
    Path description = machines.dirs().machineConfig("old").resolve("machine.json");
    Files.writeString(
        description, Files.readString(description).replace("\"Arch\" : \"x86_64\"", "\"X\" : 0"));
    MachineConfig config = machines.status("old").config();
    assertThat(config.arch()).isNull();
    assertThat(config.guestArch(host)).isEqualTo("x86_64");
  }

  @Test
  void init_rootful_makesTheRootConnectionTheDefault() {
    machines.init(
        new InitOptions("r", base.toString(), 1, 1024L, 20L, null, List.of(), null, true, "UTC"),
        ProgressListener.NONE);
    assertThat(SystemConnections.of(host).defaultName()).contains("r-root");
  }

  @Test
  void init_badInput_errorsAndLeavesNothingBehind() throws Exception {
    Path src = Files.createDirectories(dir.resolve("src"));
    List<String> before = TreeSnapshot.of(dir);
    List<InitOptions> bad =
        List.of(
            new InitOptions(
                "bad name", base.toString(), null, null, 20L, null, null, null, false, null),
            new InitOptions("m", base.toString(), 0, null, 20L, null, null, null, false, null),
            new InitOptions("m", base.toString(), 5, null, 20L, null, null, null, false, null),
            new InitOptions("m", base.toString(), null, 100L, 20L, null, null, null, false, null),
            new InitOptions(
                "m", base.toString(), null, 9_000_000L, 20L, null, null, null, false, null),
            new InitOptions("m", base.toString(), null, null, 0L, null, null, null, false, null),
            new InitOptions(
                "m", base.toString(), null, null, 20L, "Bad User", null, null, false, null),
            new InitOptions(
                "m",
                base.toString(),
                null,
                null,
                20L,
                null,
                List.of(src + ":/etc"),
                null,
                false,
                null),
            new InitOptions(
                "m",
                base.toString(),
                null,
                null,
                20L,
                null,
                List.of("/nope:/x"),
                null,
                false,
                null),
            new InitOptions(
                "m",
                base.toString(),
                null,
                null,
                20L,
                null,
                null,
                dir.resolve("no.ign"),
                false,
                null),
            new InitOptions(
                "m", base.toString(), null, null, 20L, null, null, null, false, "Mars/Base"),
            new InitOptions(
                "m",
                dir.resolve("missing.qcow2").toString(),
                null,
                null,
                20L,
                null,
                null,
                null,
                false,
                null));
    for (InitOptions options : bad) {
      assertThatThrownBy(() -> machines.init(options, ProgressListener.NONE))
          .as(options.toString())
          .isInstanceOf(BerthException.class);
      assertThat(TreeSnapshot.of(dir))
          .as("left behind by " + options)
          .isSubsetOf(
              concat(
                  before,
                  "berth",
                  "berth/data",
                  "berth/data/locks",
                  "berth/data/locks/global.lock",
                  "xdg-config",
                  "xdg-config/containers",
                  "xdg-config/containers/podman-connections.json.lock"));
    }
  }

  @Test
  void init_ignitionFileThatIsNoJsonObject_refusedAndNothingBehind() throws Exception {
    Path notJson = Files.writeString(dir.resolve("not.ign"), "variant: fcos\nversion: 1.5.0\n");
    Path array = Files.writeString(dir.resolve("array.ign"), "[1, 2]");
    Path object =
        Files.writeString(dir.resolve("ok.ign"), "{\"ignition\":{\"version\":\"3.4.0\"}}");
    for (Path bad : List.of(notJson, array)) {
      assertThatThrownBy(
              () ->
                  machines.init(
                      new InitOptions(
                          "m", base.toString(), null, null, 20L, null, null, bad, false, null),
                      ProgressListener.NONE))
          .as(bad.toString())
          .isInstanceOf(BerthException.class)
          .hasMessageStartingWith("ignition file " + bad + " is not");
      assertThat(machines.entries()).isEmpty();
    }
    MachineConfig config =
        machines.init(
            new InitOptions("m", base.toString(), null, null, 20L, null, null, object, false, null),
            ProgressListener.NONE);
    assertThat(config.userIgnition()).isTrue();
  }

  @Test
  void init_diskSmallerThanImage_refused() {
    qemuImg.virtualSize = 30L << 30;
    assertThatThrownBy(() -> machines.init(options("m"), ProgressListener.NONE))
        .hasMessage("disk size 20 GiB is smaller than the image (30 GiB)");
    assertThat(machines.entries()).isEmpty();
  }

  @Test
  void init_diskCreationFails_nothingBehind() {
    qemuImg.failCreate = true;
    assertThatThrownBy(() -> machines.init(options("m"), ProgressListener.NONE))
        .hasMessageContaining("disk full");
    assertThat(TreeSnapshot.of(machines.dirs().machinesConfig())).containsExactly("");
    assertThat(TreeSnapshot.of(machines.dirs().machinesData())).containsExactly("");
    assertThat(SystemConnections.of(host).names()).isEmpty();
  }

  @Test
  void init_existingName_orConnectionName_refused() {
    machines.init(options("m"), ProgressListener.NONE);
    assertThatThrownBy(() -> machines.init(options("m"), ProgressListener.NONE))
        .hasMessage("machine \"m\" already exists");
    SystemConnections.of(host)
        .add(List.of(new dev.berth.connection.Connection("n-root", "ssh://x", Path.of("/k"))));
    assertThatThrownBy(() -> machines.init(options("n"), ProgressListener.NONE))
        .hasMessageContaining("connection named \"n-root\" already exists");
  }

  @Test
  void init_twoMachines_getDifferentPorts() {
    int a = machines.init(options("a"), ProgressListener.NONE).ssh().port();
    int b = machines.init(options("b"), ProgressListener.NONE).ssh().port();
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void set_changesResources_growsDisk_refusesShrinkAndRunning() {
    machines.init(options("m"), ProgressListener.NONE);
    MachineConfig changed = machines.set("m", new Machines.Changes(1, 1024L, 30L, null));
    assertThat(changed.resources()).isEqualTo(new MachineConfig.Resources(1, 1024, 30));
    assertThat(machines.status("m").config().resources()).isEqualTo(changed.resources());
    assertThat(qemuImg.calls.get(qemuImg.calls.size() - 1))
        .containsSequence("resize", "-q")
        .endsWith("30G");

    assertThatThrownBy(() -> machines.set("m", new Machines.Changes(null, null, 25L, null)))
        .hasMessageContaining("can only grow");
    states.put("m", MachineState.RUNNING);
    assertThatThrownBy(() -> machines.set("m", new Machines.Changes(2, null, null, null)))
        .hasMessageContaining("is running");
    assertThat(machines.status("m").config().resources().cpus()).isEqualTo(1);
  }

  @Test
  void set_rootful_switchesTheDefaultConnection() {
    machines.init(options("m"), ProgressListener.NONE);
    machines.set("m", new Machines.Changes(null, null, null, true));
    assertThat(SystemConnections.of(host).defaultName()).contains("m-root");
    assertThat(machines.status("m").config().rootful()).isTrue();
    machines.set("m", new Machines.Changes(null, null, null, false));
    assertThat(SystemConnections.of(host).defaultName()).contains("m");
  }

  @Test
  void publishing_isLoopbackByDefault_andChangedBySetAlone() {
    machines.init(options("m"), ProgressListener.NONE);
    assertThat(machines.status("m").config().publish()).isEqualTo(MachineConfig.Publish.LOOPBACK);
    machines.set("m", new Machines.Changes(null, null, null, null, true, null));
    assertThat(machines.status("m").config().publish())
        .isEqualTo(new MachineConfig.Publish(true, false));
    machines.set("m", new Machines.Changes(null, null, null, null, null, true));
    assertThat(machines.status("m").config().publish())
        .isEqualTo(new MachineConfig.Publish(true, true));
    machines.set("m", new Machines.Changes(null, null, null, null, false, false));
    assertThat(machines.status("m").config().publish()).isEqualTo(MachineConfig.Publish.LOOPBACK);
  }

  @Test
  void listeningPortsAreForwardedByDefault_setTurnsThatOffAlone_andOldDescriptionsForwardThem()
      throws Exception {
    machines.init(options("m"), ProgressListener.NONE);
    assertThat(machines.status("m").config().publish().listeningPorts()).isTrue();
    machines.set("m", new Machines.Changes(null, null, null, null, null, null, null, false));
    assertThat(machines.status("m").config().publish())
        .isEqualTo(new MachineConfig.Publish(false, false, false));
    machines.set("m", new Machines.Changes(null, null, null, null, true, null));
    assertThat(machines.status("m").config().publish())
        .as("another publish setting leaves it off")
        .isEqualTo(new MachineConfig.Publish(true, false, false));

    MachineConfig.Publish old =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(
                "{\"AllAddresses\":false,\"PrivilegedPorts\":true}", MachineConfig.Publish.class);
    assertThat(old.listeningPorts()).as("a description from before the setting").isTrue();
  }

  @Test
  void remove_deletesFilesAndConnections() {
    machines.init(options("m"), ProgressListener.NONE);
    machines.remove("m", false, false, false, () -> {});
    assertThat(machines.entries()).isEmpty();
    assertThat(SystemConnections.of(host).names()).isEmpty();
    assertThat(TreeSnapshot.of(machines.dirs().machinesConfig())).containsExactly("");
    assertThat(TreeSnapshot.of(machines.dirs().machinesData())).containsExactly("");
  }

  @Test
  void initRegistersDockerClients_startDefaultMakesItCurrent_rmUndoesIt() throws Exception {
    machines.init(options("m"), ProgressListener.NONE);
    Path docker = host.home().resolve(".docker");
    Path socket = machines.dirs().machineRuntime("m").resolve("podman.sock");
    Path meta = docker.resolve("contexts/meta").resolve(sha256("berth-m")).resolve("meta.json");
    assertThat(Files.readString(meta)).contains("\"Host\":\"unix://" + socket + "\"");
    Path link = docker.resolve("desktop/docker.sock");
    assertThat(Files.readSymbolicLink(link)).isEqualTo(socket);

    assertThat(machines.connectDockerClients("m", true)).contains(link);
    assertThat(Files.readString(docker.resolve("config.json")))
        .contains("\"currentContext\": \"berth-m\"");

    machines.remove("m", false, false, false, () -> {});
    assertThat(meta).doesNotExist();
    assertThat(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(Files.readString(docker.resolve("config.json"))).doesNotContain("currentContext");
  }

  @Test
  void init_aDockerContextOfTheNameThatIsNotBerths_refusedBeforeAnythingIsWritten()
      throws Exception {
    Path meta =
        host.home()
            .resolve(".docker/contexts/meta")
            .resolve(sha256("berth-m"))
            .resolve("meta.json");
    Files.createDirectories(meta.getParent());
    Files.writeString(
        meta, "{\"Name\":\"berth-m\",\"Endpoints\":{\"docker\":{\"Host\":\"tcp://h:2375\"}}}");
    assertThatThrownBy(() -> machines.init(options("m"), ProgressListener.NONE))
        .hasMessage("a docker context named \"berth-m\" already exists (tcp://h:2375)");
    assertThat(machines.entries()).isEmpty();
    assertThat(SystemConnections.of(host).names()).isEmpty();
    assertThat(Files.readString(meta)).contains("tcp://h:2375");
  }

  private static String sha256(String text) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(
            java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  @Test
  void remove_deletesTheMachinesLockFile_andTheNameCanBeLockedAgain() {
    machines.init(options("m"), ProgressListener.NONE);
    machines.set("m", new Machines.Changes(1, null, null, null));
    Path lockFile = machines.dirs().locks().resolve("m.lock");
    assertThat(lockFile).exists();
    machines.remove("m", false, false, false, () -> {});
    assertThat(lockFile).doesNotExist();
    try (MachineLocks.Held again = machines.locks().machine("m")) {
      assertThat(lockFile).exists();
    }
  }

  @Test
  void remove_saveImageAndIgnition_keepsThem() {
    MachineConfig config = machines.init(options("m"), ProgressListener.NONE);
    assertThat(machines.filesToRemove("m", true, true))
        .doesNotContain(config.diskPath(), config.ignitionPath());
    machines.remove("m", false, true, true, () -> {});
    assertThat(config.diskPath()).exists();
    assertThat(config.ignitionPath()).exists();
    assertThat(machines.entries()).isEmpty();
    assertThatThrownBy(() -> machines.init(options("m"), ProgressListener.NONE))
        .hasMessageContaining("left from a removed machine");
  }

  @Test
  void savingState_isOffByDefault_onThroughInitOrSet_offAgainDropsASavedState() throws Exception {
    assertThat(machines.init(options("n"), ProgressListener.NONE).saveState()).isFalse();

    InitOptions on =
        new InitOptions(
            "m", base.toString(), null, null, 20L, null, null, null, false, null, null, true);
    MachineConfig config = machines.init(on, ProgressListener.NONE);
    assertThat(config.saveState()).isTrue();
    SavedStateFiles saved = new SavedStateFiles(config.diskPath());
    Files.writeString(saved.beginSave(), "QEVM");
    machines.set("m", new Machines.Changes(null, null, null, null, null, null, false));
    assertThat(machines.status("m").config().saveState()).isFalse();
    assertThat(saved.all()).allSatisfy(path -> assertThat(path).doesNotExist());
    machines.set("m", new Machines.Changes(null, null, null, null, null, null, true));
    assertThat(machines.status("m").config().saveState()).isTrue();
  }

  @Test
  void discardSavedState_stoppedMachine_deletesIt_runningKeepsIt() throws Exception {
    MachineConfig config = machines.init(options("m"), ProgressListener.NONE);
    SavedStateFiles saved = new SavedStateFiles(config.diskPath());
    Path partial = saved.beginSave();
    states.put("m", MachineState.RUNNING);
    assertThat(machines.discardSavedState("m")).isFalse();
    assertThat(partial).exists();
    states.put("m", MachineState.STOPPED);
    assertThat(machines.discardSavedState("m")).isTrue();
    assertThat(partial).doesNotExist();
  }

  @Test
  void remove_savedStateBesideAKeptDisk_isListedAndDeleted() throws Exception {
    MachineConfig config = machines.init(options("m"), ProgressListener.NONE);
    SavedStateFiles saved = new SavedStateFiles(config.diskPath());
    Path partial = saved.beginSave();
    assertThat(machines.filesToRemove("m", true, true)).contains(partial);
    machines.remove("m", false, true, true, () -> {});
    assertThat(config.diskPath()).exists();
    assertThat(partial).doesNotExist();
  }

  @Test
  void remove_running_refusedUnlessForced() {
    machines.init(options("m"), ProgressListener.NONE);
    states.put("m", MachineState.RUNNING);
    assertThatThrownBy(() -> machines.remove("m", false, false, false, () -> {}))
        .hasMessageContaining("is running")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .contains("stop it first with: berth stop m"));
    assertThat(machines.entries()).hasSize(1);
    List<String> stopped = new java.util.ArrayList<>();
    machines.remove("m", true, false, false, () -> stopped.add("m"));
    assertThat(stopped).containsExactly("m");
    assertThat(machines.entries()).isEmpty();
  }

  @Test
  void remove_corruptDescription_stillRemoved() throws Exception {
    machines.init(options("m"), ProgressListener.NONE);
    Files.writeString(machines.dirs().machineConfig("m").resolve("machine.json"), "garbage");
    machines.remove("m", true, false, false, () -> {});
    assertThat(machines.dirs().machineConfig("m")).doesNotExist();
    assertThat(machines.dirs().machineData("m")).doesNotExist();
  }

  @Test
  void remove_unknown_notFound() {
    assertThatThrownBy(() -> machines.remove("ghost", true, false, false, () -> {}))
        .hasMessage("machine \"ghost\" does not exist");
  }

  @Test
  void remove_nameThatLeavesBerthsDirectories_refusedAndNothingDeleted() throws Exception {
    machines.init(options("m"), ProgressListener.NONE);
    Path victim = Files.createDirectories(dir.resolve("victim"));
    Files.writeString(victim.resolve("keep"), "precious");
    List<String> before = TreeSnapshot.of(dir);
    for (String bad : List.of("../../../victim", "../../victim", ".", "..", "a/b")) {
      assertThatThrownBy(() -> machines.remove(bad, true, false, false, () -> {}))
          .as(bad)
          .isInstanceOf(BerthException.class)
          .hasMessageContaining("invalid machine name");
      assertThatThrownBy(() -> machines.filesToRemove(bad, false, false))
          .as(bad)
          .hasMessageContaining("invalid machine name");
      assertThatThrownBy(() -> machines.set(bad, new Machines.Changes(1, null, null, null)))
          .as(bad)
          .hasMessageContaining("invalid machine name");
      assertThatThrownBy(() -> machines.status(bad))
          .as(bad)
          .hasMessageContaining("invalid machine name");
    }
    assertThat(TreeSnapshot.of(dir)).isEqualTo(before);
    assertThat(machines.entries()).extracting(MachineStore.Entry::name).containsExactly("m");
  }

  @Test
  void entries_directoryNotNamedLikeAMachine_notListed() throws Exception {
    machines.init(options("m"), ProgressListener.NONE);
    Path stray = Files.createDirectories(machines.dirs().machinesConfig().resolve("not a machine"));
    Files.copy(
        machines.dirs().machineConfig("m").resolve("machine.json"), stray.resolve("machine.json"));
    assertThat(machines.entries()).extracting(MachineStore.Entry::name).containsExactly("m");
  }

  @Test
  void runtime_madeTheUsersAlone_andRefusedOnceOthersCouldEnterIt() throws Exception {
    int me = (Integer) Files.getAttribute(dir, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    Host mine =
        new Host(
            host.env(),
            host.home(),
            host.userName(),
            me,
            host.os(),
            host.arch(),
            host.cpus(),
            host.memoryBytes(),
            host.zone());
    Machines ours =
        new Machines(
            mine,
            BerthDirs.from(mine),
            new DiskImages(qemuImg),
            null,
            SystemConnections.of(mine),
            name -> MachineState.STOPPED,
            Clock.systemUTC(),
            PrivateDirectories.POSIX);
    RuntimeFiles files = ours.createRuntime("m");
    assertThat(Files.getPosixFilePermissions(files.dir())).isEqualTo(PrivateDirectories.OWNER_ONLY);
    assertThat(Files.getPosixFilePermissions(ours.dirs().runtime()))
        .isEqualTo(PrivateDirectories.OWNER_ONLY);
    assertThat(ours.runtime("m")).isEqualTo(files);

    Files.setPosixFilePermissions(
        ours.dirs().runtime(),
        java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> ours.runtime("m")).hasMessageContaining("has mode rwxrwxrwx");
    assertThatThrownBy(() -> ours.createRuntime("m")).hasMessageContaining("has mode rwxrwxrwx");
  }

  @Test
  void firstBoot_cutShort_startsOverOnAFreshDiskWithoutItsHostKeyPin() throws Exception {
    MachineConfig config = machines.init(options("m"), ProgressListener.NONE);
    Path configDir = machines.dirs().machineConfig("m");

    assertThat(machines.beginFirstBoot("m")).isFalse();
    Files.writeString(config.diskPath(), "written by a cut-short first boot");
    Files.writeString(configDir.resolve("known_hosts"), "m.berth ssh-ed25519 AAAA\n");
    Path variables = config.diskPath().resolveSibling(Machines.FIRMWARE_VARIABLES_FILE);
    Files.writeString(variables, "boot entries");
    qemuImg.calls.clear();

    assertThat(machines.beginFirstBoot("m")).isTrue();

    assertThat(config.diskPath()).hasContent("overlay");
    assertThat(qemuImg.calls)
        .singleElement()
        .satisfies(
            argv ->
                assertThat(argv)
                    .containsSequence("-b", base.toString(), "-F", "qcow2")
                    .endsWith("20G"));
    assertThat(configDir.resolve("known_hosts")).doesNotExist();
    assertThat(variables).doesNotExist();
    assertThat(TreeSnapshot.of(config.diskPath().getParent()))
        .containsExactly("", "disk.qcow2", FirstBoots.MARK_FILE);
  }

  @Test
  void firstBoot_upOnce_theDiskIsKeptFromThenOn() throws Exception {
    MachineConfig config = machines.init(options("m"), ProgressListener.NONE);
    assertThat(machines.beginFirstBoot("m")).isFalse();
    machines.recordLastUp("m", Instant.parse("2026-11-28T11:00:00Z"));

    assertThat(config.diskPath().resolveSibling(FirstBoots.MARK_FILE)).doesNotExist();
    assertThat(machines.beginFirstBoot("m")).isFalse();
  }

  @Test
  void firstBoot_cutShort_baseImageGone_saysSoAndKeepsTheDisk() throws Exception {
    MachineConfig config = machines.init(options("m"), ProgressListener.NONE);
    machines.beginFirstBoot("m");
    Files.delete(base);

    assertThatThrownBy(() -> machines.beginFirstBoot("m"))
        .isInstanceOf(BerthException.class)
        .hasMessage(
            "the first boot of machine \"m\" was cut short and cannot start over: its base image "
                + base
                + " is gone");
    assertThat(config.diskPath()).exists();
  }

  @Test
  void reset_removesEverything() {
    machines.init(options("a"), ProgressListener.NONE);
    machines.init(options("b"), ProgressListener.NONE);
    machines.reset(name -> {});
    assertThat(machines.entries()).isEmpty();
    assertThat(SystemConnections.of(host).names()).isEmpty();
    assertThat(machines.dirs().config()).doesNotExist();
    assertThat(machines.dirs().machinesData()).doesNotExist();
  }

  private static List<String> concat(List<String> a, String... more) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(List.of(more));
    return all;
  }
}
