package dev.berth.agent.server;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.agent.ClockJumpWatch;
import dev.berth.agent.NetworkMode;
import dev.berth.agent.QemuLaunch;
import dev.berth.agent.ports.ListeningPortWatch;
import dev.berth.ignition.HostApiSocket;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import dev.berth.machine.RuntimeFiles;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.ssh.ForwardSession;
import dev.berth.net.ssh.UnixSocketForwarder;
import dev.berth.qemu.Accelerator;
import dev.berth.qemu.QemuCommand;
import dev.berth.ssh.GuestSsh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host agent of one running machine, in a process of its own that outlives the {@code berth
 * start} that launched it. It owns everything the running machine is made of: QEMU (and its
 * monitor), the ready port, the SSH session and the host API socket. Its {@link ControlServer}
 * answers {@code dev.berth.agent.client.AgentClient}, and while it answers, the machine runs; when
 * the agent is gone, nothing it owned is left behind. A start is ready when its {@link Readiness}
 * checks hold; a stop is a {@link PowerOff}.
 */
public final class MachineAgent {
  private static final Logger LOG = LoggerFactory.getLogger(MachineAgent.class);
  private static final int CONSOLE_TAIL_LINES = 30;

  /** Run in the guest at the end of the first boot ({@link #persistFirstBoot}). */
  static final String SYNC_COMMAND = "sync";

  private static final Duration SYNC_TIMEOUT = Duration.ofMinutes(2);

  /**
   * How long podman's API on its guest port has to answer the agent's first ping: its service
   * starts on that connection (about 2 s under emulation).
   */
  private static final Duration API_PING_TIMEOUT = Duration.ofSeconds(15);

  /**
   * How the agent runs the machine; {@code slirpPorts} as {@link MachineNetwork#slirpPorts}; {@code
   * launches} builds the QEMU of each boot (the host's choice, or a test's).
   */
  public record Settings(
      Duration readyTimeout,
      Accelerator accelerator,
      NetworkMode network,
      String slirpPorts,
      NetworkConfig berthNetwork,
      QemuLaunches launches) {}

  /** The QEMU a boot of the machine runs, on its network. */
  public interface QemuLaunches {
    QemuLaunch of(MachineConfig config, QemuCommand.Network network, boolean firstBoot);

    /**
     * Looks up now what {@link #of} will need of the host (QEMU's version: a process, 0.2 s), so
     * that it costs nothing when the machine's network is up.
     */
    default void lookUpHost(MachineConfig config) {}
  }

  /** What the agent acts on outside itself: real, or fakes in tests. */
  public record Parts(
      AgentClock clock,
      QemuProcess.Launcher qemuLauncher,
      GuestMonitor.Connector monitors,
      GuestShell.Connector shells,
      SavedStates savedStates,
      ClockJumpWatch.GuestClock guestClock) {}

  final AgentMachine machine;
  private final String name;
  final RuntimeFiles files;
  private final Settings settings;
  final Parts parts;
  final AgentClock clock;
  final ControlServer control;

  final CompletableFuture<Void> stopRequested = new CompletableFuture<>();
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  final GuestClockKeeper guestClock;
  private volatile MachineState state = MachineState.STARTING;

  /** Whether the stop asked for saves the machine (when its setting allows). */
  private volatile boolean saveOnStop = true;

  /** The QEMU command line of a later boot: what a saved state is saved from. */
  List<String> laterBootArgv;

  private ReadyPort readyPort;
  QemuProcess qemu;
  GuestMonitor monitor;
  SshLogin sshLogin;

  /** The agent's SSH login; set under the agent's lock ({@link #liveShell}), read anywhere. */
  volatile GuestShell shell;

  /** The API socket's forwarder over SSH, where podman's API is not on its own port. */
  private UnixSocketForwarder api;

  MachineNetwork network;
  private ListeningPortWatch listeningPorts;

  public MachineAgent(AgentMachine machine, RuntimeFiles files, Settings settings, Parts parts) {
    this.machine = machine;
    this.name = machine.name();
    this.files = files;
    this.settings = settings;
    this.parts = parts;
    this.clock = parts.clock();
    this.control = new ControlServer(files, () -> state, this::requestStop);
    this.guestClock =
        new GuestClockKeeper(new ClockJumpWatch(clock::now, System::nanoTime, parts.guestClock()));
  }

  private void requestStop(boolean save) {
    saveOnStop = save;
    stopRequested.complete(null);
  }

  /** Runs the machine until it is stopped or dies; returns the process exit code. */
  public int run() {
    LOG.info("agent of machine {} started", name);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopFromSignal, "agent-shutdown"));
    return runUntilStopped();
  }

  /** {@link #run} without the shutdown hook: for tests, which stop it through its socket. */
  int runUntilStopped() {
    boolean wasReady = false;
    try {
      openControlSocket();
      boot();
      wasReady = true;
      state = MachineState.RUNNING;
      guestClock.startWatching();
      control.emit(new MachineEvent.Ready(files.api().toString()));
      LOG.info("machine {} is ready", name);
      CompletableFuture.anyOf(stopRequested, qemu.onExit()).join();
      if (!qemu.isAlive()) {
        LOG.warn("QEMU exited on its own with status {}", qemu.exitValue());
      }
      return 0;
    } catch (BerthException e) {
      LOG.error("start failed: {}", e.getMessage());
      control.emit(new MachineEvent.Failed(e.getMessage(), e.hint().orElse(null), consoleTail()));
      return 1;
    } catch (RuntimeException e) {
      LOG.error("agent failed", e);
      control.emit(
          new MachineEvent.Failed(
              "the machine's agent failed: " + e, "see " + files.agentLog(), consoleTail()));
      return 1;
    } finally {
      state = MachineState.STOPPING;
      shutdown(wasReady);
      control.emit(new MachineEvent.Stopped());
      control.close();
      finished.complete(null);
    }
  }

  /** Every event the agent has sent. */
  List<MachineEvent> events() {
    return control.history();
  }

  // ---- start ----

  private void boot() {
    MachineConfig config = machine.config();
    Thread lookUp = new Thread(() -> settings.launches().lookUpHost(config), "qemu-look-up");
    lookUp.setDaemon(true);
    lookUp.start();
    try {
      readyPort = ReadyPort.open(files.ready(), () -> FirstBootFailure.of(config, files));
    } catch (IOException e) {
      throw new BerthException(
          "cannot listen on " + files.ready() + ": " + e.getMessage(), null, e);
    }
    network =
        MachineNetwork.start(
            settings.network(),
            files,
            config.ssh().port(),
            MachineNetwork.guestPolicy(config),
            settings.slirpPorts(),
            settings.berthNetwork());
    // lastUp is recorded only once the guest is ready: a first boot cut short (agent or QEMU
    // killed while Ignition ran) is a first boot again, on a fresh disk
    boolean firstBoot = config.lastUp() == null;
    if (firstBoot) {
      beginFirstBoot(config);
    }
    List<String> argv = qemuCommand(config, firstBoot);
    laterBootArgv =
        firstBoot ? settings.launches().of(config, network.qemuNetwork(), false).argv() : argv;
    sshLogin =
        new SshLogin(
            parts.shells(),
            new GuestShell.Target(
                config.ssh().port(), sshUser(config), config.ssh().identityPath()));
    SavedMachine saved = new SavedMachine(this);
    if (firstBoot || !saved.resume(config, argv)) {
      // while the guest boots, not while a saved state loads: the two CPUs are QEMU's then
      Thread warmUp = new Thread(() -> GuestSsh.warmUp(config.ssh().identityPath()), "ssh-warm-up");
      warmUp.setDaemon(true);
      warmUp.start();
      coldBoot(config, argv, firstBoot);
      saved.afterBoot(config);
    }
    if (firstBoot) {
      persistFirstBoot();
    }
    machine.recordLastUp(clock.now());
    if (config.publish().listeningPorts()) {
      listeningPorts =
          network
              .forwardListeningPorts(
                  () -> liveShell().output(ListeningPortWatch.REPORTER),
                  config.publish().privilegedPorts())
              .orElse(null);
    }
  }

  /** Boots the machine: QEMU from its firmware or kernel, until the guest is ready. */
  private void coldBoot(MachineConfig config, List<String> argv, boolean firstBoot) {
    progress(
        "Starting QEMU" + (firstBoot ? " (first boot: Ignition will configure the machine)" : ""));
    launchQemu(argv);
    Deadline deadline = deadline();
    CompletableFuture<GuestShell> sshUp =
        sshLogin.onceReachable(network.guestReachable(), readyPort.ready(), deadline);
    try {
      new Readiness(
              List.of(
                  ReadinessCheck.of("QMP answers", this::connectMonitor),
                  ReadinessCheck.of(
                      "the guest says Ready",
                      d -> {
                        progress("Waiting for the guest to boot");
                        d.await(readyPort.ready(), "the guest did not report Ready");
                      }),
                  ReadinessCheck.of(
                      "SSH logs in",
                      d -> {
                        progress(
                            sshUp.isDone() ? "Guest is up" : "Guest is up; connecting over SSH");
                        shell = d.await(sshUp, "SSH to the guest never answered");
                      }),
                  ReadinessCheck.of("the API socket listens", d -> startApi(config))))
          .await(deadline);
    } finally {
      sshUp.cancel(false);
      if (shell == null && !sshUp.isCompletedExceptionally()) {
        sshUp.join().close();
      }
    }
  }

  void launchQemu(List<String> argv) {
    LOG.info("QEMU: {}", String.join(" ", argv));
    try {
      Files.deleteIfExists(files.qmp());
      Files.deleteIfExists(files.console());
      qemu = parts.qemuLauncher().start(argv, files.qemuLog());
    } catch (IOException e) {
      throw new BerthException(
          "cannot run " + argv.get(0) + ": " + e.getMessage(),
          "install QEMU (Debian: apt-get install qemu-system-x86; macOS: brew install qemu)",
          e);
    }
  }

  /** The ready deadline of the QEMU just launched. */
  Deadline deadline() {
    return new Deadline(
        clock, settings.readyTimeout(), qemu, stopRequested, this::startFailed, name);
  }

  /**
   * The first boot's writes (the guest's SSH host keys, Ignition's users and keys) reach the disk
   * before the machine counts as up: QEMU killed seconds after a first boot otherwise leaves the
   * host keys empty (ext4 had not written them yet), and sshd never starts again. Until the machine
   * counts as up, a crash begins the first boot again on a fresh disk.
   */
  private void persistFirstBoot() {
    try {
      liveShell().exec(SYNC_COMMAND, SYNC_TIMEOUT);
    } catch (IOException e) {
      throw new BerthException(
          "machine \""
              + name
              + "\" did not start: the guest could not write its first-boot configuration to disk: "
              + e.getMessage(),
          "start it again: its first boot begins again on a fresh disk",
          e);
    }
  }

  private void beginFirstBoot(MachineConfig config) {
    boolean startsOver;
    try {
      startsOver = machine.beginFirstBoot();
    } catch (BerthException e) {
      throw new BerthException(
          e.getMessage(),
          "recreate the machine with: " + FirstBootFailure.recreateCommand(config),
          e);
    }
    if (startsOver) {
      control.emit(
          new MachineEvent.Warning(
              "the machine's first boot was cut short before it was ever up: configuring it"
                  + " again on a fresh disk"));
    }
  }

  private List<String> qemuCommand(MachineConfig config, boolean firstBoot) {
    QemuLaunch launch = settings.launches().of(config, network.qemuNetwork(), firstBoot);
    launch.warnings().forEach(warning -> control.emit(new MachineEvent.Warning(warning)));
    launch.prepareFirmware();
    return launch.argv();
  }

  void connectMonitor(Deadline deadline) {
    IOException last = null;
    while (deadline.open() && qemu.isAlive()) {
      try {
        monitor = parts.monitors().connect(files.qmp(), guestClock::onQemuEvent);
        return;
      } catch (IOException e) {
        last = e;
        clock.sleep(Duration.ofMillis(100));
      }
    }
    throw startFailed(
        "QEMU's monitor (QMP) did not answer" + (last == null ? "" : ": " + last.getMessage()));
  }

  /**
   * Makes the API socket listen: straight to podman's API on its guest port ({@link HostApiSocket})
   * where the network can and the API answers there, else over SSH (a machine made before that port
   * existed, a guest whose Ignition was the user's, QEMU's network).
   */
  void startApi(MachineConfig config) {
    int port = HostApiSocket.port(config.rootful());
    if (network.forwardHostSocket(files.api(), port)) {
      if (ApiPing.answers(files.api(), API_PING_TIMEOUT)) {
        LOG.info("the API socket reaches podman's API on the machine's port {}", port);
        return;
      }
      network.unforwardHostSocket(files.api());
      LOG.info("podman's API does not answer on the machine's port {}: forwarding over SSH", port);
    }
    try {
      api =
          UnixSocketForwarder.start(
              files.api(),
              guestApiSocket(config),
              sshUser(config) + "@127.0.0.1:" + config.ssh().port(),
              this::apiSession);
    } catch (IOException e) {
      throw new BerthException("cannot listen on " + files.api() + ": " + e.getMessage(), null, e);
    }
  }

  /**
   * Logs in over SSH in the background, for the agent's later work in the guest (its listening
   * ports, a save): a resumed machine is ready without it.
   */
  void loginInBackground() {
    Thread login =
        new Thread(
            () -> {
              try {
                liveShell();
              } catch (IOException e) {
                LOG.warn(
                    "SSH login after the resume failed, retried when needed: {}", e.getMessage());
              }
            },
            "ssh-login");
    login.setDaemon(true);
    login.start();
  }

  private static String guestApiSocket(MachineConfig config) {
    return config.rootful()
        ? "/run/podman/podman.sock"
        : "/run/user/" + config.uid() + "/podman/podman.sock";
  }

  private static String sshUser(MachineConfig config) {
    return config.rootful() ? "root" : config.ssh().remoteUsername();
  }

  /**
   * The API socket's session: the agent's own while it is open, else one new login (a guest that
   * was busy, a network blip); the forwarder retries under its policy.
   */
  private ForwardSession apiSession() throws IOException {
    return liveShell().forwardSession();
  }

  /** The agent's SSH login, logged in again if it dropped. */
  synchronized GuestShell liveShell() throws IOException {
    if (shell == null || !shell.isOpen()) {
      if (shell != null) {
        LOG.warn("SSH session to the guest dropped; reconnecting");
        shell.close();
        shell = null;
      }
      shell = sshLogin.login();
    }
    return shell;
  }

  BerthException startFailed(String reason) {
    return new BerthException(
        "machine \"" + name + "\" did not start: " + reason,
        "the full console log is "
            + files.console()
            + ", QEMU's own output "
            + files.qemuLog()
            + ", the agent's log "
            + files.agentLog());
  }

  private List<String> consoleTail() {
    try {
      if (!Files.exists(files.console())) {
        return List.of();
      }
      return RuntimeFiles.lastLines(files.console(), CONSOLE_TAIL_LINES);
    } catch (IOException e) {
      return List.of("(cannot read " + files.console() + ": " + e.getMessage() + ")");
    }
  }

  void progress(String message) {
    LOG.info(message);
    control.emit(new MachineEvent.Step(message));
  }

  // ---- stop ----

  private void stopFromSignal() {
    stopRequested.complete(null);
    try {
      finished.get(2, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("shutdown did not finish: {}", e.toString());
    }
  }

  private void openControlSocket() {
    try {
      machine.createRuntime();
      control.open();
    } catch (IOException e) {
      throw new BerthException(
          "cannot listen on " + files.control() + ": " + e.getMessage(), null, e);
    }
  }

  private void shutdown(boolean wasReady) {
    Quietly.close(listeningPorts);
    guestClock.close();
    Quietly.close(api);
    if (wasReady && saveOnStop && qemu.isAlive()) {
      new SavedMachine(this).save();
    }
    if (qemu != null && qemu.isAlive()) {
      Duration grace =
          settings.accelerator().isSoftware() ? Duration.ofSeconds(60) : Duration.ofSeconds(20);
      new PowerOff(clock, grace).run(qemu, shell, monitor);
    }
    Quietly.close(shell);
    Quietly.close(parts.shells());
    Quietly.close(monitor);
    Quietly.close(network);
    Quietly.close(readyPort);
    if (wasReady) {
      try {
        machine.recordLastUp(clock.now());
      } catch (BerthException e) {
        LOG.warn("cannot record when the machine was last up: {}", e.getMessage());
      }
    }
    for (Path path : files.leftovers()) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", path, e.toString());
      }
    }
  }
}
