package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

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

  /** That the run failed as a user error: exit 125, an "Error: " line with {@code message}. */
  static void assertError(CliRun run, String message) {
    assertThat(run.exitCode()).as(run.toString()).isEqualTo(125);
    assertThat(run.err().lines())
        .as(run.toString())
        .anySatisfy(line -> assertThat(line).startsWith("Error: ").contains(message));
    assertThat(run.err()).doesNotContain("\tat ");
  }
}
