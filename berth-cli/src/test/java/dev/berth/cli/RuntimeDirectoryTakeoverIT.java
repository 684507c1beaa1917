package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Another local user attacks from where they sit: before the victim's first {@code start}, with no
 * {@code XDG_RUNTIME_DIR} (a login by su or ssh without a systemd session), they make {@code
 * /tmp/berth-UID}, the victim's fallback runtime directory, world-writable and plant a link in it.
 * Berth must refuse it and write nothing there: no log, no socket a neighbour could replace.
 */
class RuntimeDirectoryTakeoverIT {
  private static final String VICTIM = "berth-victim";
  private static final String NEIGHBOUR = "berth-neighbour";
  private Path planted;

  @AfterEach
  void removeWhatTheNeighbourMade() throws Exception {
    if (planted != null) {
      Exec.run(Map.of(), List.of("rm", "-rf", planted.toString()));
    }
    OrdinaryUser.ensure(VICTIM).run(berth(), "rm", "-f", "m");
  }

  private static String berth() {
    return GuestImage.root().resolve("bin/berth").toString();
  }

  @Test
  void aRuntimeDirectoryAnotherUserMadeIsRefusedAndNothingIsWrittenThere() throws Exception {
    OrdinaryUser victim = OrdinaryUser.ensure(VICTIM);
    OrdinaryUser neighbour = OrdinaryUser.ensure(NEIGHBOUR);
    planted = Path.of("/tmp/berth-" + victim.uid());
    Exec.run(Map.of(), List.of("rm", "-rf", planted.toString()));
    Exec plant =
        neighbour.run(
            "sh",
            "-c",
            "mkdir -m 0777 " + planted + " && ln -s /home/" + NEIGHBOUR + " " + planted + "/m");
    assertThat(plant.code()).as(plant.out()).isZero();

    Path disk = Files.createTempFile("berth-takeover-", ".raw");
    try {
      Files.write(disk, new byte[1024 * 1024]);
      Exec.run(Map.of(), List.of("chmod", "0644", disk.toString()));
      Exec init = victim.run(berth(), "init", "--image", disk.toString(), "--disk-size", "1", "m");
      assertThat(init.code()).as(init.out()).isZero();

      Exec start = victim.run(berth(), "start", "m");
      assertThat(start.code()).as(start.out()).isEqualTo(125);
      assertThat(start.out())
          .contains("Error: runtime directory " + planted)
          .contains("not to you");
      Exec listing = Exec.run(Map.of(), List.of("ls", "-A", planted.toString()));
      assertThat(listing.out().strip())
          .as("what Berth left in the neighbour's directory")
          .isEqualTo("m");
      assertThat(Files.isSymbolicLink(planted.resolve("m"))).isTrue();
      assertThat(
              Files.exists(Path.of("/home/" + NEIGHBOUR + "/agent.log"), LinkOption.NOFOLLOW_LINKS))
          .isFalse();
    } finally {
      Files.deleteIfExists(disk);
    }
  }
}
