package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An ordinary (non-root) account that a test creates to run berth as users do, and commands run as
 * it with a clean login environment.
 */
record OrdinaryUser(String name) {
  /** The account {@code name}, created if absent; the test must run as root to create it. */
  static OrdinaryUser ensure(String name) throws Exception {
    assertThat(ProcessHandle.current().info().user().orElse(""))
        .as(
            "this test creates an ordinary user account and runs berth as it, so it runs as root (CI does)")
        .isEqualTo("root");
    if (Exec.run(Map.of(), List.of("id", name)).code() != 0) {
      Exec add =
          Exec.run(Map.of(), List.of("useradd", "--create-home", "--shell", "/bin/bash", name));
      assertThat(add.code()).as(add.out()).isZero();
    }
    return new OrdinaryUser(name);
  }

  int uid() throws Exception {
    return Integer.parseInt(Exec.run(Map.of(), List.of("id", "-u", name)).out().strip());
  }

  /**
   * Runs {@code command} as this user with only a login's environment; leading {@code NAME=VALUE}
   * words are added to it (they go to {@code env}).
   */
  Exec run(String... command) throws Exception {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "runuser",
                "-u",
                name,
                "--",
                "env",
                "-i",
                "HOME=/home/" + name,
                "USER=" + name,
                "LOGNAME=" + name,
                "PATH=/usr/local/bin:/usr/bin:/bin",
                "LANG=C.UTF-8"));
    argv.addAll(List.of(command));
    return Exec.run(Map.of(), Duration.ofMinutes(15), argv);
  }
}
