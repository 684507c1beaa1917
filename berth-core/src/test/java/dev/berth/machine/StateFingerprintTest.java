package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StateFingerprintTest {
  private static final StateFingerprint.DiskIdentity DISK =
      new StateFingerprint.DiskIdentity(10, 20);
  private static final StateFingerprint SAVED =
      new StateFingerprint(DISK, 2, 2048, List.of("/a:/a"), "42@sha256:aa", "cmd");

  @Test
  void mismatch_same_isNone() {
    assertThat(
            SAVED.mismatch(
                new StateFingerprint(DISK, 2, 2048, List.of("/a:/a"), "42@sha256:aa", "cmd")))
        .isEmpty();
  }

  @Test
  void mismatch_eachField_isNamed() {
    assertThat(
            SAVED.mismatch(
                new StateFingerprint(DISK, 4, 2048, List.of("/a:/a"), "42@sha256:aa", "cmd")))
        .contains("the CPU count changed (2 to 4)");
    assertThat(
            SAVED.mismatch(new StateFingerprint(DISK, 2, 2048, List.of(), "42@sha256:aa", "cmd")))
        .contains("the volumes changed");
    assertThat(
            SAVED.mismatch(
                new StateFingerprint(DISK, 2, 2048, List.of("/a:/a"), "43@sha256:bb", "cmd")))
        .contains("the image release changed (42@sha256:aa to 43@sha256:bb)");
    assertThat(
            SAVED.mismatch(
                new StateFingerprint(DISK, 2, 2048, List.of("/a:/a"), "42@sha256:aa", "other")))
        .contains("QEMU's devices changed (network, firmware or kernel)");
  }

  @Test
  void qemuMismatch_otherVersion_isNamed() {
    SavedState saved = new SavedState(1, null, 0, SAVED, "7.2.22", null);
    assertThat(saved.qemuMismatch("7.2.22")).isEmpty();
    assertThat(saved.qemuMismatch("8.0.0")).contains("QEMU changed (saved by 7.2.22, now 8.0.0)");
  }
}
