package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Disk space is given back: a 1 GiB file written in the machine and deleted no longer takes space
 * in the disk file on the host, as {@code inspect}'s {@code Disk.ActualSize} shows. The guest trims
 * what it frees (its root is mounted with {@code discard}) and QEMU passes the discards on to the
 * qcow2 file ({@code discard=unmap}).
 */
class DiskTrimIT {
  private static final String NAME = "trim";
  private static final long GIB = 1L << 30;
  private static UserHome user;

  @BeforeAll
  static void setUp() throws Exception {
    user = UserHome.create("berth-trim-");
  }

  @AfterAll
  static void tearDown() throws Exception {
    user.delete(NAME);
  }

  private static Exec berth(String... args) throws Exception {
    Exec e = user.berth(args);
    assertThat(e.code()).as("berth " + String.join(" ", args) + ": " + e.out()).isZero();
    return e;
  }

  private static long actualSize() throws Exception {
    return Long.parseLong(berth("inspect", "--format", "{{.Disk.ActualSize}}", NAME).out().strip());
  }

  @Test
  void aDeletedGibibyteLeavesTheHostsDiskFile() throws Exception {
    berth("init", "--now", "--image", GuestImage.stream().toString(), "--disk-size", "10", NAME);
    assertThat(berth("ssh", NAME, "findmnt -no OPTIONS /").out()).contains("discard");
    assertThat(
            Long.parseLong(
                berth("inspect", "--format", "{{.Disk.VirtualSize}}", NAME).out().strip()))
        .isEqualTo(10 * GIB);

    // Random bytes: zeros would never be allocated (detect-zeroes=unmap).
    berth("ssh", NAME, "dd if=/dev/urandom of=/var/tmp/big bs=1M count=1024 status=none && sync");
    long written = actualSize();
    berth("ssh", NAME, "rm /var/tmp/big && sync");
    long deletedAt = System.nanoTime();
    long smallest = written;
    while (written - smallest < GIB * 9 / 10
        && System.nanoTime() - deletedAt < Duration.ofMinutes(3).toNanos()) {
      Thread.sleep(1000);
      smallest = Math.min(smallest, actualSize());
    }
    double seconds = (System.nanoTime() - deletedAt) / 1e9;
    System.out.printf(
        "DiskTrimIT: disk file %.2f GiB with the file written, %.2f GiB after deleting it (%.0f s)%n",
        written / (double) GIB, smallest / (double) GIB, seconds);
    assertThat(written - smallest)
        .as("bytes given back after deleting 1 GiB")
        .isGreaterThanOrEqualTo(GIB * 9 / 10);
  }
}
