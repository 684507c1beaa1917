package dev.berth.connection;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DesktopSocketLinkTest {
  @TempDir Path dir;
  private Path runtime;
  private Path link;
  private DesktopSocketLink desktop;

  @BeforeEach
  void setUp() {
    runtime = dir.resolve("run");
    link = dir.resolve("home/.docker/desktop/docker.sock");
    desktop = new DesktopSocketLink(link, runtime);
  }

  private Path socket(String machine) {
    return runtime.resolve(machine).resolve("podman.sock");
  }

  /** A socket that exists: its machine runs. */
  private Path live(String machine) throws Exception {
    Files.createDirectories(socket(machine).getParent());
    return Files.writeString(socket(machine), "");
  }

  @Test
  void aFreePath_getsALinkToTheMachine_inADirectoryTheUsersAlone() throws Exception {
    assertThat(desktop.claim(socket("a"), false)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(socket("a"));
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(link.getParent())))
        .isEqualTo("rwx------");
  }

  @Test
  void aLinkToAStoppedMachine_passesToTheNextOne_aRunningOnesOnlyWhenAsked() throws Exception {
    desktop.claim(socket("a"), false);
    assertThat(desktop.claim(socket("b"), false)).as("a is stopped").isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(socket("b"));

    live("b");
    assertThat(desktop.claim(socket("a"), false)).as("b runs").isFalse();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(socket("b"));
    assertThat(desktop.claim(socket("a"), true)).isTrue();
    assertThat(Files.readSymbolicLink(link)).isEqualTo(socket("a"));
  }

  @Test
  void dockerDesktopsOwnSocket_orALinkElsewhere_isNeverTouched() throws Exception {
    Files.createDirectories(link.getParent());
    Files.writeString(link, "docker desktop");
    assertThat(desktop.claim(socket("a"), true)).isFalse();
    desktop.release(socket("a"));
    assertThat(Files.readString(link)).isEqualTo("docker desktop");

    Files.delete(link);
    Files.createSymbolicLink(link, dir.resolve("other/podman.sock"));
    assertThat(desktop.claim(socket("a"), true)).isFalse();
    desktop.release(dir.resolve("other/podman.sock"));
    assertThat(Files.readSymbolicLink(link)).isEqualTo(dir.resolve("other/podman.sock"));
  }

  @Test
  void release_removesOnlyALinkToThisMachine() throws Exception {
    desktop.claim(socket("a"), false);
    desktop.release(socket("b"));
    assertThat(link).isSymbolicLink();
    desktop.release(socket("a"));
    assertThat(Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    desktop.release(socket("a"));
  }
}
