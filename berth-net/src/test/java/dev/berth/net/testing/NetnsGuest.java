package dev.berth.net.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Linux kernel as the guest: a network namespace whose TAP device {@code tap0} is relayed to a
 * berth-net unix socket by {@code tapbridge} (src/test/c). Needs root. Everything it creates is
 * removed by {@link #close()}.
 */
public final class NetnsGuest implements AutoCloseable {

  public static final String GUEST_MAC = "5a:94:ef:e4:0c:ee";
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final Path RELAY = Path.of("target", "tapbridge");

  private final String name;
  private final Process relay;
  private final Path scratch;

  public NetnsGuest(Path socket, int mtu) throws IOException, InterruptedException {
    requireRoot();
    buildRelay();
    this.name = "berth-it-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    this.scratch = Files.createTempDirectory("berth-netns");
    host("ip", "netns", "add", name).orFail();
    Process p = null;
    try {
      p =
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  name,
                  RELAY.toAbsolutePath().toString(),
                  socket.toString(),
                  "tap0")
              .redirectErrorStream(true)
              .redirectOutput(scratch.resolve("relay.log").toFile())
              .start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (exec("ip", "link", "show", "tap0").exitCode() != 0) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          throw new IOException(
              "tapbridge did not create tap0: " + Files.readString(scratch.resolve("relay.log")));
        }
        Thread.sleep(20);
      }
      exec("ip", "link", "set", "lo", "up").orFail();
      // A long transmit queue: a VM's virtio queue holds frames back instead of dropping them.
      exec(
              "ip",
              "link",
              "set",
              "tap0",
              "address",
              GUEST_MAC,
              "mtu",
              Integer.toString(mtu),
              "txqueuelen",
              "10000",
              "up")
          .orFail();
    } catch (IOException | InterruptedException | RuntimeException e) {
      if (p != null) {
        p.destroyForcibly();
      }
      host("ip", "netns", "del", name);
      throw e;
    }
    this.relay = p;
  }

  /**
   * Fails with the reason when the harness cannot run: it needs root for namespaces and TAP
   * devices.
   */
  public static void requireRoot() throws IOException, InterruptedException {
    String uid = host("id", "-u").stdout().trim();
    if (!uid.equals("0")) {
      throw new IllegalStateException(
          "the kernel-as-guest harness needs root (network namespaces and TAP "
              + "devices); running as uid "
              + uid
              + ", so these integration tests cannot run");
    }
  }

  private static synchronized void buildRelay() throws IOException, InterruptedException {
    Path source = Path.of("src", "test", "c", "tapbridge.c");
    if (Files.exists(RELAY)
        && Files.getLastModifiedTime(RELAY).compareTo(Files.getLastModifiedTime(source)) > 0) {
      return;
    }
    host("gcc", "-O2", "-Wall", "-pthread", "-o", RELAY.toString(), source.toString()).orFail();
  }

  public String name() {
    return name;
  }

  /**
   * Runs busybox udhcpc on tap0; returns the variables its script saw (ip, mask, router, dns, mtu).
   */
  public Map<String, String> dhcp() throws IOException, InterruptedException {
    Path script = scratch.resolve("udhcpc.sh");
    Path out = scratch.resolve("lease.env");
    Files.writeString(
        script,
        String.join(
            "\n",
            "#!/bin/sh",
            "case \"$1\" in bound|renew)",
            "  ip addr flush dev \"$interface\"",
            "  ip addr add \"$ip/$mask\" dev \"$interface\"",
            "  [ -n \"$mtu\" ] && ip link set dev \"$interface\" mtu \"$mtu\"",
            "  [ -n \"$router\" ] && ip route add default via \"$router\"",
            "  printf 'ip=%s\\nmask=%s\\nrouter=%s\\ndns=%s\\nmtu=%s\\n' \"$ip\" \"$mask\" \"$router\" \"$dns\" \"$mtu\" > "
                + out,
            ";;",
            "esac",
            ""));
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    exec(
            Duration.ofSeconds(20),
            "busybox",
            "udhcpc",
            "-i",
            "tap0",
            "-n",
            "-q",
            "-f",
            "-s",
            script.toString())
        .orFail();
    Map<String, String> lease = new HashMap<>();
    for (String line : Files.readAllLines(out)) {
      int eq = line.indexOf('=');
      lease.put(line.substring(0, eq), line.substring(eq + 1));
    }
    return lease;
  }

  public Result exec(String... command) throws IOException, InterruptedException {
    return exec(Duration.ofSeconds(120), command);
  }

  /** Runs a command inside the namespace. */
  public Result exec(Duration timeout, String... command) throws IOException, InterruptedException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(command));
    return run(timeout, full);
  }

  /** Starts a long-running command inside the namespace (a server); the caller destroys it. */
  public Process startInBackground(String... command) throws IOException {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(List.of(command));
    return new ProcessBuilder(full)
        .redirectErrorStream(true)
        .redirectOutput(
            scratch.resolve("background-" + COUNTER.incrementAndGet() + ".log").toFile())
        .start();
  }

  /** Runs the test {@link GuestTool} inside the namespace. */
  public Result guestTool(Duration timeout, String... args)
      throws IOException, InterruptedException {
    return exec(timeout, guestToolCommand(args)).orFail();
  }

  public static String[] guestToolCommand(String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-cp",
                Path.of("target", "test-classes").toAbsolutePath().toString(),
                GuestTool.class.getName()));
    cmd.addAll(List.of(args));
    return cmd.toArray(String[]::new);
  }

  public static Result host(String... command) throws IOException, InterruptedException {
    return run(Duration.ofSeconds(60), List.of(command));
  }

  private static Result run(Duration timeout, List<String> command)
      throws IOException, InterruptedException {
    Path outFile = Files.createTempFile("berth-exec", ".out");
    Path errFile = Files.createTempFile("berth-exec", ".err");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(outFile.toFile())
              .redirectError(errFile.toFile())
              .start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly().waitFor();
        return new Result(
            command, 124, Files.readString(outFile), Files.readString(errFile) + "\n(timed out)");
      }
      return new Result(
          command,
          p.exitValue(),
          Files.readString(outFile, StandardCharsets.UTF_8),
          Files.readString(errFile, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(outFile);
      Files.deleteIfExists(errFile);
    }
  }

  /** A finished command. */
  public record Result(List<String> command, int exitCode, String stdout, String stderr) {
    public Result orFail() {
      if (exitCode != 0) {
        throw new IllegalStateException(
            String.join(" ", command) + " exited " + exitCode + ": " + stderr + stdout);
      }
      return this;
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    relay.destroy();
    if (!relay.waitFor(2, TimeUnit.SECONDS)) {
      relay.destroyForcibly().waitFor();
    }
    host("ip", "netns", "del", name);
    deleteDirectory(scratch);
  }

  /** Removes a directory of plain files. */
  public static void deleteDirectory(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
  }

  /**
   * A test class's teardown: destroys {@code processes}, closes {@code resources} in order (a null
   * one, never made, is skipped), then removes {@code dir} (when not null) and its files.
   */
  public static void tearDown(List<Process> processes, Path dir, AutoCloseable... resources)
      throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor();
    }
    for (AutoCloseable r : resources) {
      if (r != null) {
        r.close();
      }
    }
    if (dir != null) {
      deleteDirectory(dir);
    }
  }
}
