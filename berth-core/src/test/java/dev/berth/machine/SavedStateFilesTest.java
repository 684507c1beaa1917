package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.machine.SavedStateFiles.Absent;
import dev.berth.machine.SavedStateFiles.Unusable;
import dev.berth.machine.SavedStateFiles.Usable;
import dev.berth.net.forward.Forward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SavedStateFilesTest {
  private static final byte[] STATE = {'Q', 'E', 'V', 'M', 0, 0, 0, 3, 1, 2, 3, 4};

  @TempDir Path dir;
  private Path disk;
  private SavedStateFiles files;
  private StateFingerprint fingerprint;

  @BeforeEach
  void disk() throws Exception {
    disk = dir.resolve("disk.qcow2");
    Files.write(disk, new byte[] {1, 2, 3});
    files = new SavedStateFiles(disk);
    fingerprint =
        new StateFingerprint(
            StateFingerprint.DiskIdentity.of(disk),
            2,
            2048,
            List.of("/src:/dst"),
            "1@sha256:aa",
            "cmd");
  }

  private SavedState save(byte[] content) throws Exception {
    Path partial = files.beginSave();
    Files.write(partial, content);
    SavedState saved =
        new SavedState(
            SavedState.FORMAT_VERSION,
            Instant.parse("2026-12-01T10:00:00Z"),
            content.length,
            fingerprint,
            "7.2.22",
            List.of(new Forward("127.0.0.1:8080", "192.168.127.2:8080", "tcp")));
    files.commit(saved);
    return saved;
  }

  @Test
  void check_nothingSaved_isAbsent() {
    assertThat(files.check(fingerprint)).isInstanceOf(Absent.class);
    assertThat(files.size()).isEmpty();
  }

  @Test
  void save_thenCheck_givesTheStateBackBesideTheDisk_theOwnersAlone() throws Exception {
    SavedState saved = save(STATE);
    assertThat(files.check(fingerprint))
        .isEqualTo(new Usable(saved, dir.resolve("disk.qcow2.state")));
    assertThat(files.size()).contains((long) STATE.length);
    for (Path path : List.of(files.stateFile(), files.descriptionFile())) {
      assertThat(Files.getPosixFilePermissions(path))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
  }

  @Test
  void check_saveCutShort_isUnusable() throws Exception {
    Files.write(files.beginSave(), STATE);
    assertThat(files.check(fingerprint)).isEqualTo(new Unusable("the last save did not finish"));
  }

  @Test
  void check_stateWithoutDescription_isUnusable() throws Exception {
    save(STATE);
    Files.delete(files.descriptionFile());
    assertThat(files.check(fingerprint)).isInstanceOf(Unusable.class);
  }

  @Test
  void check_truncatedState_saysItsSize() throws Exception {
    save(STATE);
    Files.write(files.stateFile(), new byte[] {'Q', 'E', 'V', 'M'});
    assertThat(files.check(fingerprint))
        .isEqualTo(new Unusable("the state file is 4 bytes, but 12 were saved"));
  }

  @Test
  void check_notQemuState_isCorrupt() throws Exception {
    save(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
    assertThat(files.check(fingerprint))
        .isEqualTo(new Unusable("the state file is not a QEMU state (corrupt)"));
  }

  @Test
  void check_garbledDescription_isUnreadable() throws Exception {
    save(STATE);
    Files.writeString(files.descriptionFile(), "{\"FormatVersion\": 1, \"SavedAt\": ");
    assertThat(((Unusable) files.check(fingerprint)).reason())
        .startsWith("the saved state's description is unreadable");
  }

  @Test
  void check_otherSettings_saysWhatChanged() throws Exception {
    save(STATE);
    StateFingerprint moreMemory =
        new StateFingerprint(
            fingerprint.disk(), 2, 4096, fingerprint.volumes(), fingerprint.image(), "cmd");
    assertThat(files.check(moreMemory))
        .isEqualTo(new Unusable("the memory changed (2048 to 4096 MiB)"));
  }

  @Test
  void check_diskWrittenAfterTheSave_isUnusable() throws Exception {
    save(STATE);
    Files.write(disk, new byte[] {1, 2, 3, 4});
    StateFingerprint now =
        new StateFingerprint(
            StateFingerprint.DiskIdentity.of(disk),
            2,
            2048,
            fingerprint.volumes(),
            fingerprint.image(),
            "cmd");
    assertThat(files.check(now))
        .isEqualTo(new Unusable("the disk changed after the state was saved"));
  }

  @Test
  void remove_deletesEveryPart() throws Exception {
    save(STATE);
    Files.write(files.beginSave(), STATE);
    assertThat(files.remove()).isTrue();
    for (Path path : files.all()) {
      assertThat(path).doesNotExist();
    }
    assertThat(files.remove()).isFalse();
  }
}
