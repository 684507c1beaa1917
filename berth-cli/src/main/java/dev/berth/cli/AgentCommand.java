package dev.berth.cli;

import dev.berth.agent.NetworkMode;
import dev.berth.agent.client.AgentLauncher;
import dev.berth.agent.server.MachineAgents;
import dev.berth.qemu.Accelerator;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The machine's host agent; {@code berth start} runs it. Not for users, so hidden. It sets up
 * logging before anything logs: no class it loads first may hold a static logger.
 */
@Command(name = AgentCommand.NAME, hidden = true, description = "Run a machine's host agent.")
final class AgentCommand extends BaseCommand {
  static final String NAME = AgentLauncher.COMMAND;

  @Parameters(converter = MachineNameConverter.class, paramLabel = "NAME")
  String name; // initialized by picocli

  @Option(names = "--timeout", required = true)
  long timeoutSeconds; // initialized by picocli

  @Option(names = "--accelerator", required = true)
  String accelerator; // initialized by picocli

  @Option(names = "--network", required = true, converter = NetworkModeConverter.class)
  NetworkMode network; // initialized by picocli

  @Override
  public Integer call() {
    if (!LogLevel.debug()) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
      // MINA warns of every login attempt that meets a guest still booting; the agent reports
      // the outcome itself.
      System.setProperty("org.slf4j.simpleLogger.log.org.apache.sshd", "error");
    }
    System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
    System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSSXXX");
    return MachineAgents.create(
            machines(),
            name,
            new MachineAgents.Options(
                Duration.ofSeconds(timeoutSeconds),
                Accelerator.valueOf(accelerator.toUpperCase(Locale.ROOT)),
                network),
            Clock.systemUTC())
        .run();
  }
}
