package dev.berth.cli;

import dev.berth.agent.client.AgentLauncher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts the agent as this same program ({@code berth agent NAME …}) in a new JVM, in a session of
 * its own (through the host's {@link dev.berth.os.Host#detachCommand}: {@code setsid} on Linux,
 * perl's setsid on macOS) so that closing the terminal that ran {@code berth start} does not take
 * it down, with standard input from /dev/null and its output in the agent's log.
 *
 * <p>A shell starts the agent in the background, prints its pid and exits, so the agent is not this
 * JVM's child. A child would keep a JDK thread blocked in {@code waitpid}, and the JVM waits about
 * 300 ms at exit for threads blocked in native code: every {@code berth start} would pay it. The
 * agent maps the build's class-data archive ({@code berth.jsa} beside the jar, see {@link
 * ClassDataTraining}) when there is one; the JVM ignores an archive that does not match the jar.
 */
final class JvmAgentLauncher implements AgentLauncher {
  /** $0 is the log, "$@" the agent's command line. */
  private static final String BACKGROUND = "\"$@\" </dev/null >>\"$0\" 2>&1 & echo $!";

  /** The agent's heap: it holds the machine's state, berth-net's tables and the API's requests. */
  static final String AGENT_HEAP = "256m";

  /** berth-net's connection buffers (2 MiB a direction while data is in flight) live here. */
  static final String AGENT_DIRECT_MEMORY = "1g";

  private final List<String> detach;

  /** {@code detach}: the command that runs its arguments in a new session; empty for none. */
  JvmAgentLauncher(List<String> detach) {
    this.detach = List.copyOf(detach);
  }

  @Override
  public ProcessHandle launch(String machine, List<String> args, Path log) throws IOException {
    List<String> argv = new ArrayList<>(detach);
    argv.addAll(List.of("/bin/sh", "-c", BACKGROUND, log.toString()));
    argv.add(ProcessHandle.current().info().command().orElse("java"));
    argv.add("-Xss512k");
    argv.add("-XX:+UseSerialGC");
    // Bounded whatever the guest does: the JVM's default heap is a quarter of the host's memory.
    argv.add("-Xmx" + AGENT_HEAP);
    argv.add("-XX:MaxDirectMemorySize=" + AGENT_DIRECT_MEMORY);
    String classPath = System.getProperty("java.class.path");
    if (classPath.endsWith(".jar")) {
      Path archive = Path.of(classPath.substring(0, classPath.length() - ".jar".length()) + ".jsa");
      if (Files.isReadable(archive)) {
        argv.add("-XX:SharedArchiveFile=" + archive);
      }
    }
    argv.add("-cp");
    argv.add(classPath);
    argv.add(Main.class.getName());
    argv.add(AgentCommand.NAME);
    argv.add(machine);
    argv.addAll(args);
    Process shell = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String output =
        new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    try {
      if (!shell.waitFor(10, TimeUnit.SECONDS) || shell.exitValue() != 0) {
        shell.destroyForcibly();
        throw new IOException("the shell that starts the agent failed: " + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while starting the agent");
    }
    long pid;
    try {
      pid = Long.parseLong(output);
    } catch (NumberFormatException e) {
      throw new IOException(
          "the shell that starts the agent printed \"" + output + "\", not a pid");
    }
    return ProcessHandle.of(pid)
        .orElseThrow(
            () -> new IOException("the agent (pid " + pid + ") exited at once; see " + log));
  }
}
