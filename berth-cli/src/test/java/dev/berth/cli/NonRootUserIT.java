package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The cycle as users run it: an ordinary account (podman machine refuses root), Berth's files in
 * its XDG directories, and that user's podman finding the machine through the connections Berth
 * registered.
 */
class NonRootUserIT {
  private static final String USER = "berth-it";
  private static final String NAME = "usercycle";

  private static OrdinaryUser user;

  @BeforeAll
  static void createUser() throws Exception {
    user = OrdinaryUser.ensure(USER);
  }

  @AfterAll
  static void removeMachine() throws Exception {
    asUser(berth(), "rm", "-f", NAME);
  }

  private static String berth() {
    return GuestImage.root().resolve("bin/berth").toString();
  }

  private static Exec asUser(String... command) throws Exception {
    return user.run(command);
  }

  @Test
  void initStartUseStopRemove_asAnOrdinaryUser() throws Exception {
    Path stream = GuestImage.stream();
    asUser(berth(), "rm", "-f", NAME);
    Exec init = asUser(berth(), "init", "--image", stream.toString(), "--disk-size", "10", NAME);
    assertThat(init.code()).as(init.out()).isZero();

    Exec connections =
        asUser("podman", "system", "connection", "list", "--format", "{{.Name}} {{.URI}}");
    assertThat(connections.code()).as(connections.out()).isZero();
    assertThat(connections.out())
        .contains(NAME + " ssh://core@127.0.0.1:")
        .contains(NAME + "-root ssh://root@127.0.0.1:");

    Exec start = asUser(berth(), "start", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    assertThat(start.out()).contains("started successfully");

    Exec viaConnection = asUser("podman", "--connection", NAME, "info", "--format", "{{.Host.OS}}");
    assertThat(viaConnection.code()).as(viaConnection.out()).isZero();
    assertThat(viaConnection.out().strip()).isEqualTo("linux");

    Exec ssh = asUser(berth(), "ssh", NAME, "id", "-un");
    assertThat(ssh.out().strip()).isEqualTo("core");

    Exec stop = asUser(berth(), "stop", NAME);
    assertThat(stop.code()).as(stop.out()).isZero();
    Exec rm = asUser(berth(), "rm", "-f", NAME);
    assertThat(rm.code()).as(rm.out()).isZero();
    assertThat(asUser("podman", "system", "connection", "list", "--format", "{{.Name}}").out())
        .doesNotContain(NAME);
  }
}
