package dev.berth.cli;

import dev.berth.BerthVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.codegen.docgen.manpage.ManPageGenerator;

/** {@code berth}: the root command. */
@Command(
    name = "berth",
    mixinStandardHelpOptions = true,
    versionProvider = BerthCommand.Version.class,
    description = "Manage container host virtual machines.",
    synopsisSubcommandLabel = "COMMAND",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "125:an error in berth itself or in what it was asked to do",
      "*:from `berth ssh NAME CMD`, the remote command's status"
    },
    subcommands = {
      InitCommand.class,
      StartCommand.class,
      StopCommand.class,
      SshCommand.class,
      ListCommand.class,
      InspectCommand.class,
      PortsCommand.class,
      RmCommand.class,
      SetCommand.class,
      InfoCommand.class,
      ResetCommand.class,
      ImageCommand.class,
      NetCommand.class,
      CompletionCommand.class,
      ManPageGenerator.class,
      DebugCommand.class,
      AgentCommand.class
    })
public final class BerthCommand {
  private final CliContext context;

  public BerthCommand(CliContext context) {
    this.context = context;
  }

  public CliContext context() {
    return context;
  }

  @Option(
      names = "--log-level",
      scope = ScopeType.INHERIT,
      paramLabel = "LEVEL",
      description = "Log messages at and above LEVEL: debug, info, warn, error (default: warn).")
  void setLogLevel(String level) {
    LogLevel.apply(level);
  }

  /**
   * "berth version 0.1.0 (commit 0123456789ab)": the commit the build wrote (see
   * berth-cli/pom.xml).
   */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() throws IOException {
      String commit = "unknown";
      try (InputStream in = BerthCommand.class.getResourceAsStream("commit")) {
        if (in != null) {
          commit = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
      }
      return new String[] {"berth version " + BerthVersion.get() + " (commit " + commit + ")"};
    }
  }
}
