package dev.berth.cli;

import dev.berth.agent.AgentLauncher;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the agent as this same program ({@code berth agent NAME …}) in a new JVM, in a session of
 * its own ({@code setsid}) so that closing the terminal that ran {@code berth start} does not
 * take it down, with standard input from /dev/null and its output in the agent's log.
 */
final class JvmAgentLauncher implements AgentLauncher {
  @Override
  public ProcessHandle launch(String machine, List<String> args, Path log) throws IOException {
    List<String> argv = new ArrayList<>();
    Path setsid = Path.of("/usr/bin/setsid");
    if (Files.isExecutable(setsid)) {
      argv.add(setsid.toString());
    }
    argv.add(ProcessHandle.current().info().command().orElse("java"));
    argv.add("-Xss512k");
    argv.add("-XX:+UseSerialGC");
    argv.add("-XX:TieredStopAtLevel=1");
    argv.add("-cp");
    argv.add(System.getProperty("java.class.path"));
    argv.add(Main.class.getName());
    argv.add(AgentCommand.NAME);
    argv.add(machine);
    argv.addAll(args);
    Process process =
        new ProcessBuilder(argv)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    return process.toHandle();
  }
}
