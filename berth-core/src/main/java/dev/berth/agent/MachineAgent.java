package dev.berth.agent;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.BerthException;
import dev.berth.machine.AtomicFiles;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import dev.berth.machine.Machines;
import dev.berth.machine.RuntimeFiles;
import dev.berth.net.UnixSockets;
import dev.berth.net.ssh.ForwardSession;
import dev.berth.net.ssh.UnixSocketForwarder;
import dev.berth.os.ChannelStreams;
import dev.berth.qemu.Accelerator;
import dev.berth.qemu.QmpClient;
import dev.berth.ssh.GuestSsh;
import dev.berth.ssh.HostKeyPin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host agent of one running machine, in a process of its own that outlives the {@code berth
 * start} that launched it. It owns everything the running machine is made of: QEMU (and its QMP
 * connection, for events), the ready socket, the SSH session and the host API socket. It answers
 * {@link AgentClient} on the control socket, and while it answers, the machine runs; when it is
 * gone, nothing it owned is left behind.
 */
public final class MachineAgent {
  private static final Logger LOG = LoggerFactory.getLogger(MachineAgent.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int CONSOLE_TAIL_LINES = 30;
  private static final Duration SSH_LOGIN_TIMEOUT = Duration.ofSeconds(10);

  /** How the agent runs the machine. */
  public record Options(Duration readyTimeout, Accelerator accelerator, NetworkMode network) {}


  private final Machines machines;
  private final String name;
  private final RuntimeFiles files;
  private final Options options;
  private final Clock clock;

  private final List<AgentEvent> history = new CopyOnWriteArrayList<>();
  private final List<OutputStream> watchers = new CopyOnWriteArrayList<>();
  private final CompletableFuture<Void> stopRequested = new CompletableFuture<>();
  private final CompletableFuture<Void> finished = new CompletableFuture<>();
  private final CompletableFuture<String> readyLine = new CompletableFuture<>();
  private volatile MachineState state = MachineState.STARTING;

  private ServerSocketChannel control;
  private ServerSocketChannel readyServer;
  private Process qemu;
  private QmpClient qmp;
  private GuestSsh ssh;
  private UnixSocketForwarder api;
  private MachineNetwork network;

  public MachineAgent(Machines machines, String name, Options options, Clock clock) {
    this.machines = machines;
    this.name = name;
    this.files = machines.runtime(name);
    this.options = options;
    this.clock = clock;
  }

  /** Runs the machine until it is stopped or dies; returns the process exit code. */
  public int run() {
    LOG.info("agent of machine {} started", name);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopFromSignal, "agent-shutdown"));
    boolean wasReady = false;
    try {
      openControlSocket();
      boot();
      wasReady = true;
      state = MachineState.RUNNING;
      emit(AgentEvent.ready(files.api().toString()));
      LOG.info("machine {} is ready", name);
      CompletableFuture.anyOf(stopRequested, qemu.onExit()).join();
      if (!qemu.isAlive()) {
        LOG.warn("QEMU exited on its own with status {}", qemu.exitValue());
      }
      return 0;
    } catch (BerthException e) {
      LOG.error("start failed: {}", e.getMessage());
      emit(AgentEvent.failed(e.getMessage(), e.hint().orElse(null), consoleTail()));
      return 1;
    } catch (RuntimeException e) {
      LOG.error("agent failed", e);
      emit(AgentEvent.failed("the machine's agent failed: " + e, "see " + files.agentLog(), consoleTail()));
      return 1;
    } finally {
      state = MachineState.STOPPING;
      shutdown(wasReady);
      emit(AgentEvent.stopped());
      closeWatchers();
      finished.complete(null);
    }
  }

  // ---- start ----

  private void boot() {
    MachineConfig config = machines.status(name).config();
    if (options.accelerator().isSoftware()) {
      emit(AgentEvent.warning(
          "no hardware virtualization here: QEMU emulates the CPU in software (TCG), which is"
              + " 10-50x slower"));
    }
    openReadySocket(config);
    network =
        MachineNetwork.start(
            options.network(),
            files,
            config.ssh().port(),
            MachineNetwork.guestPolicy(config),
            machines.host().env().get(MachineNetwork.SLIRP_PORTS_VARIABLE));
    // lastUp is recorded only once the guest is ready: a first boot cut short (agent killed while
    // Ignition ran) is a first boot again, which the guest's Ignition unit completes or skips
    boolean firstBoot = config.lastUp() == null;
    List<String> argv = qemuCommand(config, firstBoot);
    progress("Starting QEMU" + (firstBoot ? " (first boot: Ignition will configure the machine)" : ""));
    LOG.info("QEMU: {}", String.join(" ", argv));
    try {
      Files.deleteIfExists(files.qmp());
      Files.deleteIfExists(files.console());
      qemu =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(files.qemuLog().toFile())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new BerthException(
          "cannot run " + argv.get(0) + ": " + e.getMessage(),
          "install QEMU (Debian: apt-get install qemu-system-x86; macOS: brew install qemu)");
    }
    Thread warmUp = new Thread(() -> GuestSsh.warmUp(config.ssh().identityPath()), "ssh-warm-up");
    warmUp.setDaemon(true);
    warmUp.start();
    Instant deadline = clock.instant().plus(options.readyTimeout());
    CompletableFuture<GuestSsh> sshUp = connectSshOnceReachable(config, deadline);
    try {
      connectQmp(deadline);
      progress("Waiting for the guest to boot");
      awaitOrQemuExit(readyLine, deadline, "the guest did not report Ready");
      progress(sshUp.isDone() ? "Guest is up" : "Guest is up; connecting over SSH");
      ssh = awaitOrQemuExit(sshUp, deadline, "SSH to the guest never answered");
    } finally {
      sshUp.cancel(false);
      if (ssh == null && !sshUp.isCompletedExceptionally()) {
        sshUp.join().close();
      }
    }
    try {
      api =
          UnixSocketForwarder.start(
              files.api(), guestApiSocket(config), sshUser(config) + "@127.0.0.1:" + config.ssh().port(),
              () -> apiSession(config));
    } catch (IOException e) {
      throw new BerthException("cannot listen on " + files.api() + ": " + e.getMessage());
    }
    machines.recordLastUp(name, clock.instant());
  }

  private List<String> qemuCommand(MachineConfig config, boolean firstBoot) {
    QemuLaunch launch =
        QemuLaunch.of(machines.host(), name, config, files, options.accelerator(), network.qemuNetwork(), firstBoot);
    launch.warnings().forEach(warning -> emit(AgentEvent.warning(warning)));
    launch.prepareFirmware();
    return launch.argv();
  }

  private void openReadySocket(MachineConfig config) {
    try {
      readyServer = UnixSockets.listenPrivate(files.ready(), 0);
    } catch (IOException e) {
      throw new BerthException("cannot listen on " + files.ready() + ": " + e.getMessage());
    }
    Thread reader =
        new Thread(
            () -> {
              try (SocketChannel port = readyServer.accept()) {
                BufferedReader lines =
                    new BufferedReader(
                        new InputStreamReader(ChannelStreams.input(port), StandardCharsets.UTF_8));
                String line;
                while ((line = lines.readLine()) != null) {
                  if (line.strip().equals("Ready")) {
                    readyLine.complete(line);
                  } else if (line.strip().equals(FirstBootFailure.LINE)) {
                    readyLine.completeExceptionally(FirstBootFailure.of(config, files));
                  }
                }
              } catch (IOException e) {
                readyLine.completeExceptionally(e);
              }
            },
            "ready-port");
    reader.setDaemon(true);
    reader.start();
  }

  private void connectQmp(Instant deadline) {
    IOException last = null;
    while (clock.instant().isBefore(deadline) && qemu.isAlive()) {
      try {
        qmp = QmpClient.connect(files.qmp(), this::onQmpEvent, Duration.ofSeconds(10));
        return;
      } catch (IOException e) {
        last = e;
        pause(Duration.ofMillis(100));
      }
    }
    throw startFailed("QEMU's monitor (QMP) did not answer" + (last == null ? "" : ": " + last.getMessage()));
  }

  private void onQmpEvent(JsonNode event) {
    String type = event.path("event").asText();
    if (type.equals("SHUTDOWN") || type.equals("POWERDOWN") || type.equals("RESET")) {
      LOG.info("QEMU event {}", event);
    }
  }

  private static String guestApiSocket(MachineConfig config) {
    return config.rootful()
        ? "/run/podman/podman.sock"
        : "/run/user/" + config.uid() + "/podman/podman.sock";
  }

  /**
   * Logs in over SSH as soon as the guest can be reached: on berth-net when the guest holds its
   * address, in parallel with the rest of its boot; on QEMU's network, which says nothing of the
   * guest, once the guest is Ready. Cancelling the result ends the attempts.
   */
  private CompletableFuture<GuestSsh> connectSshOnceReachable(MachineConfig config, Instant deadline) {
    CompletableFuture<GuestSsh> sshUp = new CompletableFuture<>();
    CompletableFuture.anyOf(network.guestReachable(), readyLine)
        .whenCompleteAsync(
            (reachable, error) -> {
              try {
                GuestSsh session = connectSsh(config, deadline, sshUp::isDone);
                if (!sshUp.complete(session)) {
                  session.close();
                }
              } catch (RuntimeException e) {
                sshUp.completeExceptionally(e);
              }
            },
            command -> {
              Thread thread = new Thread(command, "ssh-connect");
              thread.setDaemon(true);
              thread.start();
            });
    return sshUp;
  }

  /** Retries until a login succeeds, {@code deadline} passes, QEMU exits or {@code abandoned}. */
  private GuestSsh connectSsh(MachineConfig config, Instant deadline, BooleanSupplier abandoned) {
    String user = sshUser(config);
    HostKeyPin pin = hostKeyPin(machines, name);
    Exception last = null;
    while (clock.instant().isBefore(deadline) && !abandoned.getAsBoolean()) {
      if (!qemu.isAlive()) {
        throw startFailed("QEMU exited with status " + qemu.exitValue() + " before SSH answered");
      }
      try {
        GuestSsh session =
            GuestSsh.connect(
                "127.0.0.1", config.ssh().port(), user, config.ssh().identityPath(), pin,
                SSH_LOGIN_TIMEOUT);
        LOG.info("SSH login as {} succeeded", user);
        return session;
      } catch (BerthException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        LOG.debug("SSH login attempt failed: {}", e.toString());
        last = e;
      }
      pause(Duration.ofMillis(200));
    }
    throw startFailed("SSH to the guest never answered" + (last == null ? "" : ": " + last.getMessage()));
  }

  private static String sshUser(MachineConfig config) {
    return config.rootful() ? "root" : config.ssh().remoteUsername();
  }

  /**
   * The API socket's session: the agent's own while it is open, else one new login (a guest that was
   * busy, a network blip); the forwarder retries under its policy.
   */
  private synchronized ForwardSession apiSession(MachineConfig config) throws IOException {
    if (ssh == null || !ssh.isOpen()) {
      if (ssh != null) {
        LOG.warn("SSH session to the guest dropped; reconnecting");
        ssh.close();
        ssh = null;
      }
      ssh =
          GuestSsh.connect(
              "127.0.0.1", config.ssh().port(), sshUser(config), config.ssh().identityPath(),
              hostKeyPin(machines, name), SSH_LOGIN_TIMEOUT);
    }
    return ssh.forwardSession();
  }

  /** The pin of a machine's guest host key, shared by the agent and {@code berth ssh}. */
  public static HostKeyPin hostKeyPin(Machines machines, String name) {
    return new HostKeyPin(
        machines.dirs().machineConfig(name).resolve("known_hosts"), name + ".berth");
  }

  private <T> T awaitOrQemuExit(CompletableFuture<T> future, Instant deadline, String what) {
    long millis = Math.max(1, Duration.between(clock.instant(), deadline).toMillis());
    try {
      CompletableFuture.anyOf(future, qemu.onExit(), stopRequested).get(millis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw startFailed(what + " within " + options.readyTimeout().toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw startFailed("interrupted while waiting: " + what);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof BerthException failure) {
        throw failure;
      }
      throw startFailed(what + ": " + e.getCause().getMessage());
    }
    if (stopRequested.isDone()) {
      throw new BerthException("the start of machine \"" + name + "\" was cancelled by a stop");
    }
    if (!future.isDone()) {
      throw startFailed("QEMU exited with status " + qemu.exitValue() + "; " + what);
    }
    return future.join();
  }

  private BerthException startFailed(String reason) {
    return new BerthException(
        "machine \"" + name + "\" did not start: " + reason,
        "the full console log is " + files.console() + ", QEMU's own output " + files.qemuLog()
            + ", the agent's log " + files.agentLog());
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

  private void shutdown(boolean wasReady) {
    closeQuietly(api);
    if (qemu != null && qemu.isAlive()) {
      powerOff();
    }
    if (ssh != null) {
      ssh.close();
    }
    closeQuietly(qmp);
    closeQuietly(network);
    closeQuietly(readyServer);
    if (wasReady) {
      try {
        machines.recordLastUp(name, clock.instant());
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

  /**
   * A clean shutdown first, so the guest's file systems are consistent: {@code poweroff} over SSH
   * when the session is up, else the ACPI power button; then QMP {@code quit}; then kill.
   */
  private void powerOff() {
    Duration grace = options.accelerator().isSoftware() ? Duration.ofSeconds(60) : Duration.ofSeconds(20);
    try {
      if (ssh != null && ssh.isOpen()) {
        try {
          ssh.exec("sudo -n systemctl poweroff || systemctl poweroff", Duration.ofSeconds(10));
        } catch (IOException e) {
          LOG.debug("poweroff over SSH ended the session: {}", e.toString());
        }
      } else if (qmp != null) {
        qmp.execute("system_powerdown", Duration.ofSeconds(5));
      }
      if (qemu.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        return;
      }
      LOG.warn("the guest did not power off within {} s; quitting QEMU", grace.toSeconds());
      if (qmp != null) {
        qmp.execute("quit", Duration.ofSeconds(5));
        if (qemu.waitFor(10, TimeUnit.SECONDS)) {
          return;
        }
      }
    } catch (IOException e) {
      LOG.warn("QMP failed while stopping: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    qemu.destroyForcibly();
    try {
      qemu.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- control socket ----

  private void openControlSocket() {
    try {
      machines.createRuntime(name);
      // the pid first: from here on, an agent that does not answer is known alive, not stale
      AtomicFiles.write(
          files.agentPid(),
          ProcessHandle.current().pid() + "\n",
          PosixFilePermissions.fromString("rw-------"));
      control = UnixSockets.listenPrivate(files.control(), 0);
    } catch (IOException e) {
      throw new BerthException("cannot listen on " + files.control() + ": " + e.getMessage());
    }
    Thread acceptor =
        new Thread(
            () -> {
              while (control.isOpen()) {
                try {
                  SocketChannel client = control.accept();
                  Thread handler = new Thread(() -> serve(client), "agent-client");
                  handler.setDaemon(true);
                  handler.start();
                } catch (IOException e) {
                  return;
                }
              }
            },
            "agent-control");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void serve(SocketChannel client) {
    try {
      BufferedReader in =
          new BufferedReader(
              new InputStreamReader(ChannelStreams.input(client), StandardCharsets.UTF_8));
      OutputStream out = ChannelStreams.output(client);
      String line = in.readLine();
      String op = line == null ? "" : MAPPER.readTree(line).path("op").asText();
      switch (op) {
        case "status" -> {
          send(out, AgentEvent.status(state.name(), ProcessHandle.current().pid()));
          client.close();
        }
        case "watch" -> {
          synchronized (history) {
            for (AgentEvent event : history) {
              send(out, event);
            }
            if (finished.isDone()) {
              client.close();
            } else {
              watchers.add(out);
            }
          }
        }
        case "stop" -> {
          watchers.add(out);
          stopRequested.complete(null);
        }
        default -> client.close();
      }
    } catch (IOException e) {
      LOG.debug("control client: {}", e.toString());
    }
  }

  private void emit(AgentEvent event) {
    synchronized (history) {
      history.add(event);
      for (OutputStream watcher : watchers) {
        try {
          send(watcher, event);
        } catch (IOException e) {
          watchers.remove(watcher);
        }
      }
    }
  }

  private void progress(String message) {
    LOG.info(message);
    emit(AgentEvent.progress(message));
  }

  private static void send(OutputStream out, AgentEvent event) throws IOException {
    out.write((MAPPER.writeValueAsString(event) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private void closeWatchers() {
    synchronized (history) {
      for (OutputStream watcher : watchers) {
        closeQuietly(watcher);
      }
      watchers.clear();
    }
    closeQuietly(control);
    for (Path path : List.of(files.control(), files.agentPid())) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        LOG.warn("cannot delete {}: {}", path, e.toString());
      }
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      LOG.debug("closing {}: {}", closeable, e.toString());
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
