package dev.berth.cli;

import dev.berth.BerthException;
import dev.berth.os.Host;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** The {@code berth} program. The only place that exits the JVM. */
public final class Main {
  /** podman's exit code for its own errors. */
  public static final int ERROR = 125;

  private Main() {}

  public static void main(String[] args) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    CliContext context =
        new CliContext(
            Host.current(),
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)),
            System.console() != null && !"dumb".equals(System.getenv("TERM")));
    System.exit(commandLine(context).execute(args));
  }

  /** The configured command line; tests call this with their own context. */
  public static CommandLine commandLine(CliContext context) {
    CommandLine cli = new CommandLine(new BerthCommand(context), new CommandFactory(context));
    cli.setExitCodeExceptionMapper(e -> ERROR);
    cli.setParameterExceptionHandler(PARAMETER_ERRORS);
    cli.setExecutionExceptionHandler(EXECUTION_ERRORS);
    cli.setUsageHelpAutoWidth(true);
    // `--log-level debug`: a value may be a verb's name too (`berth debug`)
    cli.setAllowSubcommandsAsOptionParameters(true);
    // `berth ssh NAME ls -l`: everything after the first positional belongs to the remote command
    cli.getSubcommands().get("ssh").setStopAtPositional(true);
    // picocli's man page generator, for dist/build: not a verb users need to see
    cli.getSubcommands().get("gen-manpage").getCommandSpec().usageMessage().hidden(true);
    return cli;
  }

  private static final IParameterExceptionHandler PARAMETER_ERRORS =
      (ParameterException e, String[] args) -> {
        CommandLine cmd = e.getCommandLine();
        PrintWriter err = cmd.getErr();
        if (e.getCause() instanceof BerthException b) {
          printError(err, b);
        } else {
          err.println("Error: " + e.getMessage());
          CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
          err.println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        }
        err.flush();
        return ERROR;
      };

  private static final IExecutionExceptionHandler EXECUTION_ERRORS =
      (Exception e, CommandLine cmd, ParseResult parsed) -> {
        PrintWriter err = cmd.getErr();
        if (e instanceof BerthException b) {
          printError(err, b);
        } else {
          err.println("Error: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
        }
        if (LogLevel.debug()) {
          e.printStackTrace(err);
        }
        err.flush();
        return ERROR;
      };

  private static void printError(PrintWriter err, BerthException e) {
    err.println("Error: " + e.getMessage());
    e.hint().ifPresent(hint -> err.println("Hint: " + hint));
  }
}
