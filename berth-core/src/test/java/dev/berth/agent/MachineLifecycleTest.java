package dev.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.ProgressListener;
import dev.berth.machine.BerthDirs;
import dev.berth.machine.MachineLocks;
import dev.berth.machine.MachineState;
import dev.berth.machine.Machines;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
  private Machines machines;
  private MachineLifecycle lifecycle;
  private RuntimeFiles files;
  private Path disk;
  private ServerSocketChannel silentAgent;

  @BeforeEach
  void setUp() throws IOException {
    Host host = TestHosts.ownedUnder(dir);
    Path base = Files.writeString(dir.resolve("base.qcow2"), "base");
    AgentSocketProbe agents =
        new AgentSocketProbe(BerthDirs.from(host), processes, Duration.ofMillis(200));
    machines = TestMachines.over(host, base, agents);
    disk = machines.init(TestMachines.options("m", base.toString()), ProgressListener.NONE).diskPath();
    AgentLauncher launcher =
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
    processes.running.put(
        AGENT_PID, List.of("-cp", "berth.jar", "dev.berth.cli.Main", "agent", "m", "--timeout", "600"));
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
            () -> lifecycle.start("m", Duration.ofMinutes(1), NetworkMode.BERTH, ProgressListener.NONE))
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
  void stop_qemuLeftByACrashedAgentOnMacOs_foundByItsPidFileAlone() throws IOException {
    // macOS's QEMU has no -name …,process= (it would exit 1): its line names the pid file only
    Files.writeString(files.qemuPid(), QEMU_PID + "\n");
    processes.running.put(
        QEMU_PID, List.of("/opt/homebrew/bin/qemu-system-aarch64", "-name", "m", "-pidfile", files.qemuPid().toString()));

    lifecycle.stop("m", ProgressListener.NONE);

    assertThat(processes.ended).containsExactly(QEMU_PID);
  }

  @Test
  void stop_pidFileNamingAnotherMachinesQemu_leftAlone() throws IOException {
    Files.writeString(files.qemuPid(), QEMU_PID + "\n");
    processes.running.put(
        QEMU_PID, List.of("qemu-system-x86_64", "-name", "m,process=berth-m", "-pidfile", "/elsewhere/m/qemu.pid"));

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

  private void stopWhatRuns() {
    lifecycle.stopWhatRuns("m", ProgressListener.NONE);
  }

  private static ProgressListener warningsTo(List<String> warnings) {
    return new ProgressListener() {
      @Override
      public void step(String message) {}

      @Override
      public void transfer(String task, long done, long total) {}

      @Override
      public void warn(String message) {
        warnings.add(message);
      }
    };
  }
}
