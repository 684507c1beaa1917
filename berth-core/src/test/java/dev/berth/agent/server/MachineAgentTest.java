package dev.berth.agent.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.MachineEvent;
import dev.berth.agent.AgentProtocol;
import dev.berth.agent.MachineRestorer;
import dev.berth.agent.MachineSaver;
import dev.berth.agent.NetworkMode;
import dev.berth.agent.QemuLaunch;
import dev.berth.agent.client.AgentClient;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.RuntimeFiles;
import dev.berth.machine.SavedState;
import dev.berth.net.config.NetworkConfig;
import dev.berth.qemu.Accelerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's start and stop with fakes for QEMU, its monitor, SSH and time; the control socket,
 * the ready port and the API socket are real, in a temporary directory.
 */
class MachineAgentTest {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  /** When a machine that is not on its first boot was last up. */
  private static final Instant UP_BEFORE = Instant.parse("2026-11-29T10:00:00Z");

  @TempDir Path dir;

  private final FakeAgentClock clock = FakeAgentClock.manual();
  private final List<List<String>> launches = new CopyOnWriteArrayList<>();
  private final List<Instant> guestClockSet = new CopyOnWriteArrayList<>();
  private final FakeSavedStates savedStates = new FakeSavedStates();
  private volatile FakeQemu qemu = new FakeQemu();
  private volatile FakeMonitor monitor = new FakeMonitor(qemu, true, true);
  private final List<Instant> lastUp = new CopyOnWriteArrayList<>();
  private final AtomicInteger logins = new AtomicInteger();
  private RuntimeFiles files;

  /** What the guest writes on its ready port once QEMU starts; null: nothing. */
  private String guestSays;

  private boolean qemuExitsOnceMonitorAnswers;

  /** The machine's settings: saving on or off; whether it has been up before. */
  private boolean saveState;

  private List<MachineConfig.Mount> mounts = List.of();

  private Instant lastUpBefore;

  /** What the machine says when a first boot begins: whether an earlier one was cut short. */
  private boolean firstBootCutShort;

  private final AtomicInteger firstBootsBegun = new AtomicInteger();

  private boolean sshRefused;
  private boolean syncFails;
  private FakeShell shell;

  @Test
  void ready_sshLogsIn_apiListens_thenStopPowersOffOverSsh() throws Exception {
    guestSays = "Ready";
    CompletableFuture<Integer> run = start();
    awaitControlSocket(run);

    List<MachineEvent> events = new CopyOnWriteArrayList<>();
    AgentClient.converse(
        files,
        AgentProtocol.WATCH,
        event -> {
          events.add(event);
          return !(event instanceof MachineEvent.Ready);
        },
        Duration.ofMinutes(1));
    assertThat(Files.exists(files.api())).isTrue();
    AgentClient.converse(files, AgentProtocol.STOP, events::add, Duration.ofMinutes(1));

    assertThat(run.get()).isZero();
    assertThat(events)
        .containsExactly(
            new MachineEvent.Warning(
                "no hardware virtualization here: QEMU emulates the CPU in software (TCG), which is"
                    + " 10-50x slower"),
            new MachineEvent.Step(
                "Starting QEMU (first boot: Ignition will configure the machine)"),
            new MachineEvent.Step("Waiting for the guest to boot"),
            events.get(3),
            new MachineEvent.Ready(files.api().toString()),
            new MachineEvent.Stopped());
    assertThat(events.get(3))
        .isIn(
            new MachineEvent.Step("Guest is up"),
            new MachineEvent.Step("Guest is up; connecting over SSH"));
    assertThat(shell.commands)
        .containsExactly(MachineAgent.SYNC_COMMAND, PowerOff.POWEROFF_COMMAND);
    assertThat(monitor.commands).doesNotContain("system_powerdown", "quit");
    assertThat(lastUp).hasSize(2);
    assertThat(firstBootsBegun).hasValue(1);
    assertThat(files.control()).doesNotExist();
    assertThat(files.agentPid()).doesNotExist();
    assertThat(files.api()).doesNotExist();
  }

  @Test
  void qemuExitsDuringBoot_failsSayingSo() throws Exception {
    qemuExitsOnceMonitorAnswers = true;

    MachineEvent.Failed failed = failure(start());

    assertThat(failed.message())
        .isEqualTo(
            "machine \"m\" did not start: QEMU exited with status 1; the guest did not report Ready");
    assertThat(failed.hint()).contains(files.qemuLog().toString());
    assertThat(lastUp).isEmpty();
  }

  @Test
  void readyNeverComes_failsAtTheDeadline_andPowersOff() throws Exception {
    CompletableFuture<Integer> run = start();
    clock.awaitWaiter();
    clock.advance(READY_TIMEOUT);

    MachineEvent.Failed failed = failure(run);

    assertThat(failed.message())
        .isEqualTo("machine \"m\" did not start: the guest did not report Ready within 60 s");
    assertThat(monitor.commands).contains("system_powerdown");
    assertThat(qemu.isAlive()).isFalse();
    assertThat(logins).hasValue(0);
  }

  @Test
  void sshRefused_retriedUntilTheDeadline_thenFails() throws Exception {
    guestSays = "Ready";
    sshRefused = true;

    MachineEvent.Failed failed = failure(start());

    assertThat(failed.message())
        .startsWith("machine \"m\" did not start: SSH to the guest never answered");
    assertThat(logins.get()).isGreaterThan(1);
    assertThat(monitor.commands).contains("system_powerdown");
  }

  @Test
  void stopDuringStart_cancelsTheStart() throws Exception {
    CompletableFuture<Integer> run = start();
    clock.awaitWaiter();

    List<MachineEvent> seenByStop = new CopyOnWriteArrayList<>();
    AgentClient.converse(files, AgentProtocol.STOP, seenByStop::add, Duration.ofMinutes(1));

    assertThat(run.get()).isEqualTo(1);
    assertThat(seenByStop)
        .containsExactly(
            new MachineEvent.Failed(
                "the start of machine \"m\" was cancelled by a stop", null, List.of()),
            new MachineEvent.Stopped());
    assertThat(qemu.isAlive()).isFalse();
  }

  @Test
  void firstBootFailed_failsAtOnceWithHowToRecreate() throws Exception {
    guestSays = FirstBootFailure.LINE;

    MachineEvent.Failed failed = failure(start());

    assertThat(failed.message())
        .isEqualTo(
            "machine \"m\" did not start: its first-boot configuration (Ignition) failed in the"
                + " guest, which cannot configure it again");
    assertThat(failed.hint()).contains("berth rm -f m && berth init");
    assertThat(lastUp).isEmpty();
  }

  @Test
  void savedState_resumes_withoutWaitingForTheBoot_clockSet_thenStopSavesAgain() throws Exception {
    lastUpBefore = UP_BEFORE;
    saveState = true;
    savedStates.plan = new MachineRestorer.Resume(saved(), dir.resolve("disk.qcow2.state"));
    savedStates.saveOutcome = new MachineSaver.Saved(saved());
    List<MachineEvent> events = runToReady();

    assertThat(launches).hasSize(1);
    assertThat(launches.get(0)).endsWith("-incoming", "defer");
    assertThat(savedStates.loads).hasSize(1);
    assertThat(monitor.commands).containsExactly("cont");
    assertThat(guestClockSet).isNotEmpty();
    assertThat(events)
        .contains(new MachineEvent.Step("Resuming the machine from its saved state"))
        .doesNotContain(new MachineEvent.Step("Waiting for the guest to boot"));

    List<MachineEvent> stopEvents = new CopyOnWriteArrayList<>();
    AgentClient.converse(files, AgentProtocol.STOP, stopEvents::add, Duration.ofMinutes(1));
    assertThat(stopEvents)
        .containsExactly(
            new MachineEvent.Step("Saving the machine's state"),
            new MachineEvent.Step("Saved the machine's state (0 MiB): the next start resumes it"),
            new MachineEvent.Stopped());
    // the save was given the command line it resumes with, without -incoming
    assertThat(savedStates.saves).containsExactly(List.of("qemu-system-x86_64", "-name", "m"));
    assertThat(shell.commands).doesNotContain(PowerOff.POWEROFF_COMMAND);
  }

  @Test
  void savedStateNotUsable_bootsSayingWhyInOneLine() throws Exception {
    lastUpBefore = UP_BEFORE;
    savedStates.plan =
        new MachineRestorer.Boot(Optional.of("the memory changed (2048 to 4096 MiB)"));
    guestSays = "Ready";
    List<MachineEvent> events = runToReady();

    assertThat(events)
        .contains(
            new MachineEvent.Warning(
                "the saved state was not used: the memory changed (2048 to 4096 MiB); booting"
                    + " afresh"),
            new MachineEvent.Step("Waiting for the guest to boot"));
    assertThat(launches).hasSize(1);
    assertThat(launches.get(0)).doesNotContain("-incoming");
    assertThat(savedStates.loads).isEmpty();
  }

  @Test
  void restoreFails_qemuEnded_andTheMachineBoots() throws Exception {
    lastUpBefore = UP_BEFORE;
    savedStates.plan = new MachineRestorer.Resume(saved(), dir.resolve("disk.qcow2.state"));
    savedStates.loadFailure = new IOException("the migration failed: load of migration failed");
    FakeQemu refused = qemu;
    guestSays = "Ready";
    List<MachineEvent> events = runToReady();

    assertThat(events)
        .contains(
            new MachineEvent.Warning(
                "restoring the saved state failed: the migration failed: load of migration"
                    + " failed; booting afresh"),
            new MachineEvent.Step("Waiting for the guest to boot"));
    assertThat(refused.killed).isTrue();
    assertThat(launches).hasSize(2);
    assertThat(launches.get(1)).doesNotContain("-incoming");
  }

  @Test
  void saveRefused_saysWhy_andPowersOff() throws Exception {
    lastUpBefore = UP_BEFORE;
    saveState = true;
    guestSays = "Ready";
    savedStates.saveOutcome =
        new MachineSaver.NotSaved("a volume is busy in the machine: target is busy");
    runToReady();

    List<MachineEvent> stopEvents = new CopyOnWriteArrayList<>();
    AgentClient.converse(files, AgentProtocol.STOP, stopEvents::add, Duration.ofMinutes(1));

    assertThat(stopEvents)
        .contains(
            new MachineEvent.Warning(
                "the machine's state was not saved: a volume is busy in the machine: target is"
                    + " busy; shutting it down"));
    assertThat(shell.commands).containsExactly(PowerOff.POWEROFF_COMMAND);
  }

  @Test
  void bootOfASavingMachineWithVolumes_mountsThemAgainInsidePodmansNamespace() throws Exception {
    lastUpBefore = UP_BEFORE;
    saveState = true;
    mounts = List.of(new MachineConfig.Mount(Path.of("/home/u"), "/home/u", false, "vol0", "9p"));
    guestSays = "Ready";
    runToReady();

    assertThat(shell.commands).containsExactly(MachineSaver.remountForSavingCommand(mounts));
    assertThat(MachineSaver.remountForSavingCommand(mounts))
        .contains("podman unshare true")
        .endsWith("sudo -n systemctl restart 'home-u.mount'");
  }

  @Test
  void bootOfAMachineThatDoesNotSave_leavesItsVolumesAlone() throws Exception {
    lastUpBefore = UP_BEFORE;
    mounts = List.of(new MachineConfig.Mount(Path.of("/home/u"), "/home/u", false, "vol0", "9p"));
    guestSays = "Ready";
    runToReady();

    assertThat(shell.commands).isEmpty();
  }

  @Test
  void shutdownRequested_savesNothing_andPowersOff() throws Exception {
    lastUpBefore = UP_BEFORE;
    saveState = true;
    guestSays = "Ready";
    savedStates.saveOutcome = new MachineSaver.Saved(saved());
    runToReady();

    AgentClient.converse(files, AgentProtocol.SHUTDOWN, event -> true, Duration.ofMinutes(1));

    assertThat(savedStates.saves).isEmpty();
    assertThat(shell.commands).containsExactly(PowerOff.POWEROFF_COMMAND);
  }

  private static SavedState saved() {
    return new SavedState(
        SavedState.FORMAT_VERSION, Instant.parse("2026-11-29T11:00:00Z"), 8, null, "7.2.22", null);
  }

  @Test
  void firstBootCutShortBefore_startsOverOnAFreshDisk_sayingSo() throws Exception {
    guestSays = "Ready";
    firstBootCutShort = true;

    List<MachineEvent> events = runToReady();

    assertThat(firstBootsBegun).hasValue(1);
    assertThat(events)
        .containsSubsequence(
            new MachineEvent.Warning(
                "the machine's first boot was cut short before it was ever up: configuring it"
                    + " again on a fresh disk"),
            new MachineEvent.Step(
                "Starting QEMU (first boot: Ignition will configure the machine)"),
            new MachineEvent.Ready(files.api().toString()));
  }

  @Test
  void firstBootNotWrittenToDisk_failsAndIsNotUp() throws Exception {
    guestSays = "Ready";
    syncFails = true;

    MachineEvent.Failed failed = failure(start());

    assertThat(failed.message())
        .isEqualTo(
            "machine \"m\" did not start: the guest could not write its first-boot configuration"
                + " to disk: exit status 1");
    assertThat(lastUp).isEmpty();
  }

  @Test
  void machineUpBefore_bootsItsDiskAsItIs() throws Exception {
    guestSays = "Ready";
    lastUpBefore = UP_BEFORE;

    List<MachineEvent> events = runToReady();

    assertThat(firstBootsBegun).hasValue(0);
    assertThat(events).contains(new MachineEvent.Step("Starting QEMU"));
    assertThat(shell.commands).doesNotContain(MachineAgent.SYNC_COMMAND);
  }

  /** Starts the agent and returns its events up to Ready. */
  private List<MachineEvent> runToReady() throws Exception {
    CompletableFuture<Integer> run = start();
    awaitControlSocket(run);
    List<MachineEvent> events = new CopyOnWriteArrayList<>();
    AgentClient.converse(
        files,
        AgentProtocol.WATCH,
        event -> {
          events.add(event);
          assertThat(event).isNotInstanceOf(MachineEvent.Failed.class);
          return !(event instanceof MachineEvent.Ready);
        },
        Duration.ofMinutes(1));
    assertThat(events).last().isInstanceOf(MachineEvent.Ready.class);
    return events;
  }

  /** As {@code berth start} does: the agent answers once its control socket is up. */
  private void awaitControlSocket(CompletableFuture<Integer> run) throws InterruptedException {
    while (AgentClient.status(files, Duration.ofSeconds(5)).isEmpty()) {
      assertThat(run).isNotDone();
      Thread.sleep(10);
    }
  }

  private MachineEvent.Failed failure(CompletableFuture<Integer> run) throws Exception {
    assertThat(run.get()).isEqualTo(1);
    List<MachineEvent> events = agent.events();
    assertThat(events).last().isEqualTo(new MachineEvent.Stopped());
    assertThat(events.get(events.size() - 2)).isInstanceOf(MachineEvent.Failed.class);
    return (MachineEvent.Failed) events.get(events.size() - 2);
  }

  private MachineAgent agent;

  private CompletableFuture<Integer> start() {
    files = new RuntimeFiles(dir.resolve("run"));
    MachineConfig config = config();
    agent =
        new MachineAgent(
            machine(config),
            files,
            new MachineAgent.Settings(
                READY_TIMEOUT,
                Accelerator.TCG,
                NetworkMode.SLIRP,
                null,
                NetworkConfig.gvproxyDefaults(),
                (cfg, network, firstBoot) ->
                    new QemuLaunch(
                        List.of("qemu-system-x86_64", "-name", "m"),
                        List.of(QemuLaunch.NO_HARDWARE_VIRTUALIZATION),
                        null,
                        false)),
            new MachineAgent.Parts(
                clock,
                this::launchQemu,
                this::connectMonitor,
                shells(),
                savedStates,
                guestClockSet::add));
    CompletableFuture<Integer> run = new CompletableFuture<>();
    Thread thread = new Thread(() -> run.complete(agent.runUntilStopped()), "test-agent");
    thread.setDaemon(true);
    thread.start();
    return run;
  }

  private QemuProcess launchQemu(List<String> argv, Path log) throws IOException {
    assertThat(argv.get(0)).isEqualTo("qemu-system-x86_64");
    if (!launches.isEmpty()) {
      qemu = new FakeQemu();
      monitor = new FakeMonitor(qemu, true, true);
    }
    launches.add(argv);
    if (guestSays != null) {
      try (SocketChannel port = SocketChannel.open(UnixDomainSocketAddress.of(files.ready()))) {
        port.write(ByteBuffer.wrap((guestSays + "\n").getBytes(StandardCharsets.UTF_8)));
      }
    }
    return qemu;
  }

  private GuestMonitor connectMonitor(Path socket, java.util.function.Consumer<String> events) {
    if (qemuExitsOnceMonitorAnswers) {
      qemu.exit(1);
    }
    return monitor;
  }

  private GuestShell.Connector shells() {
    return new GuestShell.Connector() {
      @Override
      public GuestShell login(GuestShell.Target target) throws IOException {
        logins.incrementAndGet();
        assertThat(target).isEqualTo(new GuestShell.Target(40022, "core", dir.resolve("id")));
        if (sshRefused) {
          throw new IOException("Connection refused");
        }
        shell = new FakeShell(qemu);
        if (syncFails) {
          shell.failing = MachineAgent.SYNC_COMMAND;
        }
        return shell;
      }

      @Override
      public void close() {}
    };
  }

  private AgentMachine machine(MachineConfig config) {
    return new AgentMachine() {
      @Override
      public String name() {
        return "m";
      }

      @Override
      public MachineConfig config() {
        return config;
      }

      @Override
      public boolean beginFirstBoot() {
        firstBootsBegun.incrementAndGet();
        return firstBootCutShort;
      }

      @Override
      public void recordLastUp(Instant when) {
        lastUp.add(when);
      }

      @Override
      public void createRuntime() {
        try {
          Files.createDirectories(
              files.dir(),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    };
  }

  private MachineConfig config() {
    return new MachineConfig(
            MachineConfig.SCHEMA_VERSION,
            "m",
            Instant.parse("2026-11-28T10:00:00Z"),
            null,
            null,
            dir.resolve("disk.qcow2"),
            dir.resolve("ignition.ign"),
            false,
            new MachineConfig.Resources(2, 2048, 20),
            new MachineConfig.SshConfig(dir.resolve("id"), 40022, "core"),
            mounts,
            false,
            1000,
            "UTC")
        .withLastUp(lastUpBefore)
        .withSaveState(saveState);
  }
}
