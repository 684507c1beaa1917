package dev.berth.os;

import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Facts about the host that decide defaults, limits and how a machine is launched: the environment,
 * who we are, how much hardware there is, and ({@link #launch}) what the host offers QEMU. A value,
 * so tests construct one instead of reading the real host. Whatever Berth does differently on macOS
 * is decided by a method here, not by tests of the OS name elsewhere.
 *
 * <p>{@code arch} is what the JVM reports ({@code os.arch}); {@link #cpuArch} is the processor's.
 */
public record Host(
    Map<String, String> env,
    Path home,
    String userName,
    int uid,
    String os,
    String arch,
    int cpus,
    long memoryBytes,
    ZoneId zone,
    LaunchFacts launch) {

  /**
   * Where package managers put QEMU when a login shell's {@code PATH} has it but a GUI's or
   * launchd's lacks it: Homebrew on Apple Silicon, Homebrew on Intel, MacPorts.
   */
  static final List<Path> DARWIN_PACKAGE_BINARIES =
      List.of(Path.of("/opt/homebrew/bin"), Path.of("/usr/local/bin"), Path.of("/opt/local/bin"));

  static final List<Path> LINUX_PACKAGE_BINARIES =
      List.of(Path.of("/usr/local/bin"), Path.of("/usr/bin"));

  /**
   * Detaches the agent on macOS, which has no {@code setsid} binary: perl is part of every macOS
   * release and its POSIX module calls setsid(2) before exec. Java 17 offers no setsid (FFM is
   * final only in 22, JNA is not a dependency); a new session is the only thing that leaves no
   * controlling terminal to send SIGHUP, where nohup or a process group alone leave QEMU, which
   * sets its own SIGHUP handler, exposed.
   */
  /** Detaches the agent on Linux: util-linux's setsid, at the same path on every distribution. */
  static final Path LINUX_SETSID = Path.of("/usr/bin/setsid");

  /** The perl that {@link #PERL_SETSID} runs. */
  static final Path PERL = Path.of("/usr/bin/perl");

  static final List<String> PERL_SETSID =
      List.of(
          PERL.toString(),
          "-MPOSIX",
          "-e",
          "POSIX::setsid() != -1 or die \"setsid: $!\\n\"; exec @ARGV or die \"exec: $!\\n\"");

  public Host {
    env = Map.copyOf(env);
  }

  /** A host whose launch facts are probed from this machine when first asked. */
  public Host(
      Map<String, String> env,
      Path home,
      String userName,
      int uid,
      String os,
      String arch,
      int cpus,
      long memoryBytes,
      ZoneId zone) {
    this(
        env,
        home,
        userName,
        uid,
        os,
        arch,
        cpus,
        memoryBytes,
        zone,
        new ProbedLaunchFacts(os, env.get("PATH")));
  }

  /** This host with other launch facts: a described host for a diagnosis or a test. */
  public Host withLaunch(String os, String arch, LaunchFacts facts) {
    return new Host(env, home, userName, uid, os, arch, cpus, memoryBytes, zone, facts);
  }

  /** The machine this JVM runs on. */
  public static Host current() {
    OperatingSystemMXBean osBean =
        (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return new Host(
        System.getenv(),
        Path.of(System.getProperty("user.home")),
        System.getProperty("user.name"),
        (int) new com.sun.security.auth.module.UnixSystem().getUid(),
        normaliseOs(System.getProperty("os.name")),
        normaliseArch(System.getProperty("os.arch")),
        Runtime.getRuntime().availableProcessors(),
        osBean.getTotalMemorySize(),
        detectZone());
  }

  /** The value of an environment variable, or null when unset or empty. */
  public String getenv(String name) {
    String value = env.get(name);
    return value == null || value.isEmpty() ? null : value;
  }

  public boolean isMacOs() {
    return "darwin".equals(os);
  }

  public boolean isLinux() {
    return "linux".equals(os);
  }

  /**
   * The processor's architecture: an x86_64 JVM translated by Rosetta runs on an aarch64 Mac, whose
   * hypervisor runs aarch64 guests only.
   */
  public String cpuArch() {
    return isMacOs() && "x86_64".equals(arch) && launch.translatedJvm() ? "aarch64" : arch;
  }

  /**
   * Whether QEMU may be given {@code -name …,process=}: it sets the process name with PR_SET_NAME,
   * which Linux alone has; elsewhere QEMU exits 1 (os-posix.c).
   */
  public boolean namesQemuProcess() {
    return isLinux();
  }

  /**
   * Whether an ordinary user may bind ports below 1024 only on the wildcard address (macOS since
   * Mojave); root may bind them anywhere.
   */
  public boolean privilegedPortsOnWildcard() {
    return isMacOs() && uid != 0;
  }

  /**
   * The command that runs its arguments in a session of their own, so that closing the terminal
   * that ran {@code berth start} does not hang them up; empty when the host has none.
   */
  public List<String> detachCommand() {
    if (isMacOs()) {
      return launch.isExecutable(PERL) ? PERL_SETSID : List.of();
    }
    return launch.isExecutable(LINUX_SETSID) ? List.of(LINUX_SETSID.toString()) : List.of();
  }

  /**
   * Where runtime files go without {@code XDG_RUNTIME_DIR}: on Linux a private directory under
   * /tmp; on macOS under the user's caches, since the periodic cleanup removes files in /tmp and in
   * $TMPDIR that have not been used for three days, a long-running machine's pid file included.
   */
  public Path runtimeBase() {
    return isMacOs() ? home.resolve("Library/Caches/berth") : Path.of("/tmp", "berth-" + uid);
  }

  /** Where executables are looked for: {@code PATH}, then where package managers put them. */
  public List<Path> executableDirs() {
    List<Path> dirs = new ArrayList<>();
    if (isMacOs() && launch.translatedJvm()) {
      // a Rosetta shell's PATH may name the Intel Homebrew first, whose QEMU cannot use HVF here
      dirs.add(DARWIN_PACKAGE_BINARIES.get(0));
    }
    dirs.addAll(launch.path());
    for (Path dir : isMacOs() ? DARWIN_PACKAGE_BINARIES : LINUX_PACKAGE_BINARIES) {
      dirs.add(dir);
    }
    return dirs.stream().distinct().toList();
  }

  /** The first executable file called {@code name} in {@link #executableDirs}. */
  public Optional<Path> findExecutable(String name) {
    for (Path dir : executableDirs()) {
      Path candidate = dir.resolve(name);
      if (launch.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The host's time zone name as an Olson id, e.g. "Europe/Berlin". */
  public String timezoneName() {
    return zone.getId();
  }

  /** TZ first, then the target of /etc/localtime, then the JVM's idea of the zone. */
  private static ZoneId detectZone() {
    String tz = System.getenv("TZ");
    if (tz != null && !tz.isEmpty()) {
      try {
        return ZoneId.of(tz.startsWith(":") ? tz.substring(1) : tz);
      } catch (java.time.DateTimeException e) {
        return ZoneId.systemDefault();
      }
    }
    Path localtime = Path.of("/etc/localtime");
    try {
      if (Files.isSymbolicLink(localtime)) {
        String target = Files.readSymbolicLink(localtime).toString();
        int at = target.indexOf("zoneinfo/");
        if (at >= 0) {
          return ZoneId.of(target.substring(at + "zoneinfo/".length()));
        }
      }
    } catch (java.io.IOException | java.time.DateTimeException e) {
      return ZoneId.systemDefault();
    }
    return ZoneId.systemDefault();
  }

  static String normaliseOs(String osName) {
    String lower = osName.toLowerCase(Locale.ROOT);
    if (lower.contains("mac") || lower.contains("darwin")) {
      return "darwin";
    }
    return lower.contains("linux") ? "linux" : lower;
  }

  /** Go/podman's spelling of the architecture is not ours: we use the kernel's (uname -m). */
  static String normaliseArch(String osArch) {
    return switch (osArch) {
      case "amd64", "x86_64" -> "x86_64";
      case "aarch64", "arm64" -> "aarch64";
      default -> osArch;
    };
  }
}
