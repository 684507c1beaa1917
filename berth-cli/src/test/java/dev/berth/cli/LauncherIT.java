package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/berth, the launcher a user runs: its exit codes and its error format, from a real JVM. */
class LauncherIT {
  @TempDir Path dir;

  private record Run(int code, String out) {}

  private Run launcher(String... args) throws Exception {
    return launcher(Map.of(), args);
  }

  private Run launcher(Map<String, String> env, String... args) throws Exception {
    Path script = Path.of("..", "bin", "berth").toAbsolutePath().normalize();
    List<String> argv = new java.util.ArrayList<>(List.of(script.toString()));
    argv.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true);
    pb.environment().put("BERTH_HOME", dir.toString());
    pb.environment().put("XDG_CONFIG_HOME", dir.resolve("xdg").toString());
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(p.exitValue(), out);
  }

  @Test
  void version_andHelp() throws Exception {
    assertThat(launcher("--version").out()).startsWith("berth version ");
    Run help = launcher("--help");
    assertThat(help.code()).isZero();
    assertThat(help.out())
        .contains("init", "start", "stop", "ssh", "list", "inspect", "rm", "set", "info", "reset");
  }

  @Test
  void error_exits125_withoutStackTrace_unlessDebug() throws Exception {
    Run run = launcher("inspect", "ghost");
    assertThat(run.code()).isEqualTo(125);
    assertThat(run.out())
        .startsWith("Error: machine \"ghost\" does not exist\nHint: ")
        .doesNotContain("\tat ");
    Run debug = launcher("--log-level=debug", "inspect", "ghost");
    assertThat(debug.code()).isEqualTo(125);
    assertThat(debug.out()).contains("\tat dev.berth.");
  }

  @Test
  void unknownVerb_exits125() throws Exception {
    Run run = launcher("frobnicate");
    assertThat(run.code()).isEqualTo(125);
    assertThat(run.out()).startsWith("Error: ");
  }

  @Test
  void classDataArchive_isBuiltBesideTheJar_andMapped() throws Exception {
    assertThat(Path.of("target", "berth.jsa")).isRegularFile();
    // -Xshare:on turns an archive the JVM cannot use into an error instead of a silent fallback
    Run run = launcher(Map.of("BERTH_JAVA_OPTS", "-Xshare:on -Xlog:class+load=info"), "list");
    assertThat(run.code()).isZero();
    assertThat(run.out())
        .contains("dev.berth.cli.Main source: shared objects file (top)")
        .contains("dev.berth.machine.Machines source: shared objects file (top)")
        .contains("com.fasterxml.jackson.databind.ObjectMapper source: shared objects file (top)");
  }
}
