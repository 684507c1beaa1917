package dev.berth.machine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A machine's runtime directory: its sockets, pid file and logs. None of these is evidence of
 * anything by itself: a socket is live only if something accepts on it, a pid only if that process
 * is the one we started.
 */
public record RuntimeFiles(Path dir) {
  /**
   * A machine's runtime files, whether or not its directory exists; unchecked, so only for paths
   * that are named, not opened (use {@link Machines#runtime} for that).
   */
  static RuntimeFiles of(BerthDirs dirs, String name) {
    return new RuntimeFiles(dirs.machineRuntime(name));
  }

  public Path control() {
    return dir.resolve("agent.sock");
  }

  public Path qmp() {
    return dir.resolve("qmp.sock");
  }

  public Path ready() {
    return dir.resolve("ready.sock");
  }

  /** The host API socket: podman and docker clients connect here. */
  public Path api() {
    return dir.resolve("podman.sock");
  }

  /** Where QEMU attaches to the machine's user-mode network. */
  public Path network() {
    return dir.resolve("net.sock");
  }

  /** The machine network's gvproxy-compatible HTTP API: forwards, leases, DNS zones, stats. */
  public Path networkApi() {
    return dir.resolve("net-api.sock");
  }

  /** The forwarder the guest calls at its gateway's port 80; only the network connects here. */
  public Path gatewayApi() {
    return dir.resolve("gateway-api.sock");
  }

  /** The agent's pid, written by the agent before it listens on its control socket. */
  public Path agentPid() {
    return dir.resolve("agent.pid");
  }

  /**
   * QEMU's second QMP monitor, for the user (debugging, a test's {@code stop} and {@code cont}):
   * the agent holds {@link #qmp}.
   */
  public Path userQmp() {
    return dir.resolve("qmp-user.sock");
  }

  /** Where QEMU serves the host end of qemu-guest-agent's port: the guest's clock is set here. */
  public Path guestAgent() {
    return dir.resolve("qga.sock");
  }

  public Path qemuPid() {
    return dir.resolve("qemu.pid");
  }

  public Path console() {
    return dir.resolve("console.log");
  }

  public Path agentLog() {
    return dir.resolve("agent.log");
  }

  public Path qemuLog() {
    return dir.resolve("qemu.log");
  }

  /**
   * What a running machine leaves here besides its control socket: the files to remove once it has
   * stopped, or once a crash has been cleaned up.
   */
  public List<Path> leftovers() {
    return List.of(
        ready(),
        qmp(),
        api(),
        network(),
        networkApi(),
        gatewayApi(),
        guestAgent(),
        userQmp(),
        qemuPid());
  }

  /** The last {@code count} lines of a log here, for an error message. */
  public static List<String> lastLines(Path log, int count) throws IOException {
    List<String> lines =
        new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
    return lines.subList(Math.max(0, lines.size() - count), lines.size());
  }
}
