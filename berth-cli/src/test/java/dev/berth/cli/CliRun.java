package dev.berth.cli;

import dev.berth.os.Host;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process, as a user would type it, and captures what it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun withInput(Host host, String stdin, String... args) {
    CliContext context = new CliContext(host, new BufferedReader(new StringReader(stdin)), false);
    CommandLine cli = Main.commandLine(context);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int code = cli.execute(args);
    return new CliRun(code, out.toString(), err.toString());
  }

  static CliRun run(Host host, String... args) {
    return withInput(host, "", args);
  }
}
