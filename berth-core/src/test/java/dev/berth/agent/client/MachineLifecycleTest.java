package dev.berth.agent.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import dev.berth.agent.NetworkMode;
import dev.berth.machine.BerthDirs;
import dev.berth.machine.InitOptions;
import dev.berth.machine.MachineLocks;
import dev.berth.machine.MachineState;
import dev.berth.machine.Machines;
import dev.berth.machine.PrivateDirectories;
import dev.berth.machine.RuntimeFiles;
import dev.berth.os.Host;
import dev.berth.qemu.Accelerator;
import dev.berth.testing.FakeProcessTable;
import dev.berth.testing.TestHosts;
import dev.berth.testing.TestMachines;
import dev.berth.testing.TreeSnapshot;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start, stop and rm around an agent that does not answer: nothing it owns is killed, unlinked or
 * deleted while its pid runs.
 */
class MachineLifecycleTest {
  private static final long AGENT_PID = 4242;
  private static final long QEMU_PID = 4343;

  @TempDir Path dir;

  private final FakeProcessTable processes = new FakeProcessTable();
  private final List<String> launched = new CopyOnWriteArrayList<>();
  private Host host;
  private Path base;
  private AgentLauncher launcher;
  private Machines machines;
  private AgentSocketProbe agents;
  private MachineLifecycle lifecycle;
  private RuntimeFiles files;
  private Path disk;
  private ServerSocketChannel silentAgent;

  @BeforeEach
  void setUp() throws IOException {
    host = TestHosts.ownedUnder(dir);
    base = Files.writeString(dir.resolve("base.qcow2"), "base");
    agents = new AgentSocketProbe(BerthDirs.from(host), processes, Duration.ofMillis(200));
    machines = TestMachines.over(host, base, agents);
    disk =
        machines.init(TestMachines.options("m", base.toString()), ProgressListener.NONE).diskPath();
    launcher =
        (machine, args, log) -> {
          launched.add(machine);
          throw new IOException("no agent in a unit test");
        };
    lifecycle = new MachineLifecycle(machines, agents, processes, launcher, Accelerator.KVM);
    files = machines.createRuntime("m");
  }

  @AfterEach
  void closeAgent() throws IOException {
    if (silentAgent != null) {
      silentAgent.close();
    }
  }

  /** An agent that listens on its control socket but never answers, its pid running. */
  private void silentAgent() throws IOException {
    silentAgent = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    silentAgent.bind(UnixDomainSocketAddress.of(files.control()));
    Files.writeString(files.agentPid(), AGENT_PID + "\n");
    processes.running.put(AGENT_PID, agentArguments("m"));
  }

  private static List<String> agentArguments(String machine) {
    return List.of("-cp", "berth.jar", "dev.berth.cli.Main", "agent", machine, "--timeout", "600");
  }

  /** The machine's QEMU, running, with the files it and its agent make. */
  private void runningQemu() throws IOException {
    Files.writeString(files.qemuPid(), QEMU_PID + "\n");
    Files.writeString(files.qmp(), "");
    Files.writeString(files.api(), "");
    processes.running.put(
        QEMU_PID, List.of("-name", "m,process=berth-m", "-pidfile", files.qemuPid().toString()));
  }

  private static String hint(Throwable e) {
    return ((BerthException) e).hint().orElse("");
  }

  @Test
  void start_machineOfAnotherArchitecture_agentRunsItEmulated() {
    machines.init(
        new InitOptions(
            "arm",
            base.toString(),
            1,
            1024L,
            20L,
            null,
            List.of(),
            null,
            false,
            "UTC",
            null,
            true,
            "aarch64"),
        ProgressListener.NONE);
    Map<String, List<String>> agentArgs = new HashMap<>();
    MachineLifecycle kvmHost =
        new MachineLifecycle(
            machines,
            agents,
            processes,
            (machine, args, log) -> {
              agentArgs.put(machine, args);
              throw new IOException("no agent in a unit test");
            },
            Accelerator.KVM);

    for (String name : List.of("m", "arm")) {
      assertThatThrownBy(
              () ->
                  kvmHost.start(
                      name, Duration.ofMinutes(1), NetworkMode.BERTH, ProgressListener.NONE))
          .isInstanceOf(BerthException.class);
    }
    assertThat(agentArgs.get("m")).containsSequence("--accelerator", "kvm");
    assertThat(agentArgs.get("arm")).containsSequence("--accelerator", "tcg");
    assertThat(kvmHost.defaultReadyTimeout("arm")).isEqualTo(Duration.ofMinutes(10));
    assertThat(kvmHost.defaultReadyTimeout("m")).isEqualTo(Duration.ofMinutes(3));
  }

  @Test
  void probe_silentAgentWhosePidRuns_isUnresponsive() throws IOException {
    silentAgent();
    assertThat(machines.state("m")).isEqualTo(MachineState.UNRESPONSIVE);
  }

  @Test
  void probe_silentSocketWhosePidIsGoneOrAnotherProgram_isStopped() throws IOException {
    silentAgent();
    processes.running.put(AGENT_PID, List.of("sleep", "agent", "n"));
    assertThat(machines.state("m")).isEqualTo(MachineState.STOPPED);
    processes.running.remove(AGENT_PID);
    assertThat(machines.state("m")).isEqualTo(MachineState.STOPPED);
  }

  @Test
  void start_unresponsiveAgent_refusedWithoutKillingOrUnlinkingAnything() throws IOException {
    silentAgent();
    runningQemu();
    List<String> before = TreeSnapshot.of(files.dir());

    assertThatThrownBy(
            () ->
                lifecycle.start(
                    "m", Duration.ofMinutes(1), NetworkMode.BERTH, ProgressListener.NONE))
        .hasMessage("the agent of machine \"m\" (pid 4242) is running but not answering")
        .satisfies(e -> assertThat(hint(e)).contains("berth stop m"));

    assertThat(processes.ended).isEmpty();
    assertThat(launched).isEmpty();
    assertThat(TreeSnapshot.of(files.dir())).isEqualTo(before);
  }

  @Test
  void stop_unresponsiveAgent_endsItBeforeStoppingQemuAndRemovingFiles() throws IOException {
    silentAgent();
    runningQemu();
    List<String> filesAtEachEnd = new CopyOnWriteArrayList<>();
    processes.onEnd = () -> filesAtEachEnd.add(String.join(",", TreeSnapshot.of(files.dir())));
    List<String> warnings = new CopyOnWriteArrayList<>();

    assertThat(lifecycle.stop("m", warningsTo(warnings))).isTrue();

    assertThat(processes.ended).containsExactly(AGENT_PID, QEMU_PID);
    assertThat(filesAtEachEnd.get(0)).contains("agent.sock", "agent.pid", "qemu.pid", "qmp.sock");
    assertThat(warnings).first().asString().contains("(pid 4242) is not answering; ending it");
    assertThat(TreeSnapshot.of(files.dir())).containsExactly("");
  }

  @Test
  void stop_agentThatCannotBeEnded_failsAndLeavesEverything() throws IOException {
    silentAgent();
    runningQemu();
    processes.refuseToEnd.add(AGENT_PID);
    List<String> before = TreeSnapshot.of(files.dir());

    assertThatThrownBy(() -> lifecycle.stop("m", ProgressListener.NONE))
        .hasMessage("cannot end the agent of machine \"m\" (pid 4242)")
        .satisfies(e -> assertThat(hint(e)).contains("kill -9 4242"));

    assertThat(processes.ended).containsExactly(AGENT_PID);
    assertThat(TreeSnapshot.of(files.dir())).isEqualTo(before);
  }

  @Test
  void stop_waitsForTheMachineLock() throws Exception {
    runningQemu();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder =
        new Thread(
            () -> {
              try (MachineLocks.Held lock = machines.locks().machine("m")) {
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    holder.start();
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    Thread stopper = new Thread(() -> lifecycle.stop("m", ProgressListener.NONE));
    stopper.start();
    stopper.join(300);

    assertThat(stopper.isAlive()).as("stop waits while another command holds the lock").isTrue();
    assertThat(processes.ended).isEmpty();
    release.countDown();
    stopper.join(10_000);
    assertThat(processes.ended).containsExactly(QEMU_PID);
  }

  @Test
  void stop_agentThatDoesNotStopAndAnswersWithAnotherPid_thatPidNotSignalled() throws IOException {
    runningQemu();
    long other = 5555;
    processes.running.put(other, List.of("sleep", "600"));
    Files.writeString(files.agentPid(), AGENT_PID + "\n");
    processes.running.put(AGENT_PID, agentArguments("m"));
    try (FakeAgent liar = FakeAgent.ignoringStop(files, "m", MachineState.RUNNING, other)) {
      List<String> before = TreeSnapshot.of(files.dir());

      assertThatThrownBy(() -> lifecycle.stop("m", ProgressListener.NONE))
          .hasMessageContaining("(pid 5555) is not the agent of machine \"m\"")
          .satisfies(e -> assertThat(hint(e)).contains(files.control().toString()));

      assertThat(liar.requests).contains("stop");
      assertThat(processes.ended).isEmpty();
      assertThat(TreeSnapshot.of(files.dir())).isEqualTo(before);
    }
  }

  @Test
  void stop_agentPidReusedByAnotherProgram_notSignalled() throws IOException {
    runningQemu();
    Files.writeString(files.agentPid(), AGENT_PID + "\n");
    processes.running.put(AGENT_PID, agentArguments("n"));
    try (FakeAgent liar = FakeAgent.ignoringStop(files, "m", MachineState.RUNNING, AGENT_PID)) {
      assertThatThrownBy(() -> lifecycle.stop("m", ProgressListener.NONE))
          .hasMessageContaining("(pid 4242) is not the agent of machine \"m\"");
      assertThat(processes.ended).isEmpty();
    }
  }

  @Test
  void stop_duringAStart_cancelsItAndTheStartSaysSo() throws Exception {
    List<FakeAgent> started = new CopyOnWriteArrayList<>();
    AgentLauncher launcher =
        (machine, args, log) -> {
          Files.writeString(files.agentPid(), AGENT_PID + "\n");
          processes.running.put(AGENT_PID, agentArguments(machine));
          FakeAgent agent = FakeAgent.obeying(files, machine, MachineState.STARTING, AGENT_PID);
          agent.exited().thenRun(() -> processes.running.remove(AGENT_PID));
          started.add(agent);
          return agent.handle();
        };
    MachineLifecycle withAgent =
        new MachineLifecycle(machines, agents, processes, launcher, Accelerator.TCG);
    CountDownLatch booting = new CountDownLatch(1);
    CompletableFuture<Path> start =
        CompletableFuture.supplyAsync(
            () ->
                withAgent.start(
                    "m",
                    Duration.ofMinutes(10),
                    NetworkMode.BERTH,
                    stepsTo(
                        step -> {
                          if (step.equals(FakeAgent.BOOTING)) {
                            booting.countDown();
                          }
                        })));
    assertThat(booting.await(60, TimeUnit.SECONDS)).as("the guest boots").isTrue();
    assertThat(machines.state("m")).isEqualTo(MachineState.STARTING);

    assertThat(withAgent.stop("m", ProgressListener.NONE)).isTrue();

    assertThatThrownBy(start::join)
        .cause()
        .isInstanceOf(StartFailedException.class)
        .hasMessage("the start of machine \"m\" was cancelled by a stop");
    assertThat(started)
        .singleElement()
        .satisfies(a -> assertThat(a.requests).contains("watch", "stop"));
    assertThat(processes.ended).as("the agent stopped when asked; no signal").isEmpty();
    assertThat(machines.state("m")).isEqualTo(MachineState.STOPPED);
  }

  @Test
  void start_whileAnotherStartBoots_refused() throws Exception {
    Files.writeString(files.agentPid(), AGENT_PID + "\n");
    processes.running.put(AGENT_PID, agentArguments("m"));
    try (FakeAgent booting = FakeAgent.obeying(files, "m", MachineState.STARTING, AGENT_PID)) {
      assertThatThrownBy(
              () ->
                  lifecycle.start(
                      "m", Duration.ofMinutes(1), NetworkMode.BERTH, ProgressListener.NONE))
          .hasMessage("machine \"m\" is already starting");
      assertThat(launched).isEmpty();
    }
  }

  @Test
  void start_runtimeDirectoryTakenByAnotherUserAfterTheFirstLook_nothingThereDeletedOrSignalled()
      throws IOException {
    Squatter squatter = squatterOnAMissingRuntimeDirectory();
    MachineLifecycle watched = squatter.lifecycle();

    assertThatThrownBy(
            () ->
                watched.start("m", Duration.ofMinutes(1), NetworkMode.BERTH, ProgressListener.NONE))
        .isInstanceOf(BerthException.class);

    squatter.assertUntouched();
  }

  @Test
  void stop_runtimeDirectoryTakenByAnotherUserAfterTheFirstLook_nothingThereDeletedOrSignalled()
      throws IOException {
    Squatter squatter = squatterOnAMissingRuntimeDirectory();

    try {
      squatter.lifecycle().stop("m", ProgressListener.NONE);
    } catch (BerthException e) {
      // refusing is right too; what matters is what was done there
    }

    squatter.assertUntouched();
  }

  /** A squatter, with Berth's runtime directory not made yet. */
  private Squatter squatterOnAMissingRuntimeDirectory() throws IOException {
    Files.delete(files.dir());
    Files.delete(machines.dirs().runtime());
    return new Squatter();
  }

  /**
   * Another local user who makes Berth's runtime directory (mode 0777) the moment after Berth has
   * looked at the machine's and found none, and plants there a qemu.pid naming the machine's QEMU
   * and a socket file: which a clean-up of a crash would stop and delete. It can only while Berth's
   * runtime directory does not exist.
   */
  private final class Squatter implements PrivateDirectories.FileSystem {
    private final List<Path> planted = new CopyOnWriteArrayList<>();

    @Override
    public Optional<PrivateDirectories.Facts> facts(Path path) throws IOException {
      Optional<PrivateDirectories.Facts> facts = PrivateDirectories.POSIX.facts(path);
      Path runtime = machines.dirs().runtime();
      if (path.equals(files.dir())
          && facts.isEmpty()
          && !Files.exists(runtime, LinkOption.NOFOLLOW_LINKS)) {
        plant(runtime);
      }
      return facts;
    }

    @Override
    public void createOwnerOnly(Path dir) throws IOException {
      PrivateDirectories.POSIX.createOwnerOnly(dir);
    }

    private void plant(Path runtime) throws IOException {
      Files.createDirectories(files.dir());
      for (Path dir : List.of(runtime, files.dir())) {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
      }
      planted.add(Files.writeString(files.qemuPid(), QEMU_PID + "\n"));
      planted.add(Files.writeString(files.qmp(), ""));
      processes.running.put(
          QEMU_PID, List.of("-name", "m,process=berth-m", "-pidfile", files.qemuPid().toString()));
    }

    MachineLifecycle lifecycle() {
      Machines watched = TestMachines.over(host, base, agents, this);
      return new MachineLifecycle(watched, agents, processes, launcher, Accelerator.KVM);
    }

    void assertUntouched() {
      assertThat(processes.ended).as("no process the squatter named is signalled").isEmpty();
      assertThat(planted).as("nothing the squatter planted is deleted").allMatch(Files::exists);
    }
  }

  @Test
  void stop_qemuLeftByACrashedAgentOnMacOs_foundByItsPidFileAlone() throws IOException {
    // macOS's QEMU has no -name …,process= (it would exit 1): its line names the pid file only
    Files.writeString(files.qemuPid(), QEMU_PID + "\n");
    processes.running.put(
        QEMU_PID,
        List.of(
            "/opt/homebrew/bin/qemu-system-aarch64",
            "-name",
            "m",
            "-pidfile",
            files.qemuPid().toString()));

    lifecycle.stop("m", ProgressListener.NONE);

    assertThat(processes.ended).containsExactly(QEMU_PID);
  }

  @Test
  void stop_pidFileNamingAnotherMachinesQemu_leftAlone() throws IOException {
    Files.writeString(files.qemuPid(), QEMU_PID + "\n");
    processes.running.put(
        QEMU_PID,
        List.of(
            "qemu-system-x86_64",
            "-name",
            "m,process=berth-m",
            "-pidfile",
            "/elsewhere/m/qemu.pid"));

    lifecycle.stop("m", ProgressListener.NONE);

    assertThat(processes.ended).isEmpty();
  }

  @Test
  void rm_unresponsiveMachine_refusedWithoutForce() throws IOException {
    silentAgent();
    assertThatThrownBy(() -> machines.remove("m", false, false, false, this::stopWhatRuns))
        .hasMessage("machine \"m\" is unresponsive: cannot remove it while it runs");
    assertThat(processes.ended).isEmpty();
    assertThat(disk).exists();
  }

  @Test
  void rmForce_agentThatCannotBeEnded_keepsTheDisk() throws IOException {
    silentAgent();
    processes.refuseToEnd.add(AGENT_PID);
    assertThatThrownBy(() -> machines.remove("m", true, false, false, this::stopWhatRuns))
        .hasMessageContaining("cannot end the agent");
    assertThat(disk).exists();
    assertThat(machines.entries()).hasSize(1);
  }

  @Test
  void rmForce_qemuLeftByACrashedAgent_stoppedBeforeTheDiskIsDeleted() throws IOException {
    runningQemu();
    List<Boolean> diskAtEnd = new CopyOnWriteArrayList<>();
    processes.onEnd = () -> diskAtEnd.add(Files.exists(disk));

    machines.remove("m", true, false, false, this::stopWhatRuns);

    assertThat(processes.ended).containsExactly(QEMU_PID);
    assertThat(diskAtEnd).containsExactly(true);
    assertThat(disk).doesNotExist();
  }

  @Test
  void reset_qemuLeftByACrashedAgent_stoppedBeforeTheDiskIsDeleted() throws IOException {
    runningQemu();
    assertThat(machines.state("m"))
        .as("no agent answers: the machine reads as stopped")
        .isEqualTo(MachineState.STOPPED);
    List<Boolean> diskAtEnd = new CopyOnWriteArrayList<>();
    processes.onEnd = () -> diskAtEnd.add(Files.exists(disk));

    machines.reset(name -> lifecycle.stopWhatRuns(name, ProgressListener.NONE));

    assertThat(processes.ended).containsExactly(QEMU_PID);
    assertThat(diskAtEnd).containsExactly(true);
    assertThat(disk).doesNotExist();
  }

  private void stopWhatRuns() {
    lifecycle.stopWhatRuns("m", ProgressListener.NONE);
  }

  private static ProgressListener stepsTo(java.util.function.Consumer<String> steps) {
    return event -> {
      if (event instanceof MachineEvent.Step step) {
        steps.accept(step.message());
      }
    };
  }

  private static ProgressListener warningsTo(List<String> warnings) {
    return event -> {
      if (event instanceof MachineEvent.Warning warning) {
        warnings.add(warning.message());
      }
    };
  }
}
