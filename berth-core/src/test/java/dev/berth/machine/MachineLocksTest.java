package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.testing.TreeSnapshot;
import java.nio.channels.FileChannel;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineLocksTest {
  @TempDir Path dir;

  @Test
  void machine_secondHolderWaitsForTheFirst() throws Exception {
    MachineLocks locks = new MachineLocks(dir);
    List<String> events = new CopyOnWriteArrayList<>();
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread first =
        new Thread(
            () -> {
              try (MachineLocks.Held lock = locks.machine("m")) {
                events.add("first acquired");
                held.countDown();
                release.await(10, TimeUnit.SECONDS);
                events.add("first releasing");
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    first.start();
    assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
    Thread second =
        new Thread(
            () -> {
              try (MachineLocks.Held lock = locks.machine("m")) {
                events.add("second acquired");
              }
            });
    second.start();
    second.join(200);
    assertThat(second.isAlive()).as("second waits while the first holds the lock").isTrue();
    release.countDown();
    first.join(10_000);
    second.join(10_000);
    assertThat(events).containsExactly("first acquired", "first releasing", "second acquired");
  }

  @Test
  void locks_ofDifferentMachines_independent() {
    MachineLocks locks = new MachineLocks(dir);
    try (MachineLocks.Held a = locks.machine("a");
        MachineLocks.Held b = locks.machine("b");
        MachineLocks.Held global = locks.global()) {
      assertThat(dir.resolve("a.lock")).exists();
      assertThat(dir.resolve("b.lock")).exists();
      assertThat(dir.resolve("global.lock")).exists();
    }
  }

  @Test
  void machine_nameThatLeavesTheLocksDirectory_refusedBeforeAnyFileIsMade() throws Exception {
    Path locksDir = dir.resolve("data/locks");
    MachineLocks locks = new MachineLocks(locksDir);
    for (String bad : List.of("../x", "../../x", "..", ".", "a/b")) {
      assertThatThrownBy(() -> locks.machine(bad))
          .as(bad)
          .isInstanceOf(BerthException.class)
          .hasMessageContaining("invalid machine name");
    }
    assertThat(TreeSnapshot.of(dir)).containsExactly("");
  }

  @Test
  void machine_lockFileDeletedByItsHolder_nextHolderLocksTheFileAtThePath() throws Exception {
    MachineLocks locks = new MachineLocks(dir);
    try (MachineLocks.Held held = locks.machine("m")) {
      locks.deleteMachineLock("m");
      assertThat(dir.resolve("m.lock")).doesNotExist();
    }
    try (MachineLocks.Held next = locks.machine("m")) {
      assertThat(dir.resolve("m.lock")).exists();
    }
  }

  @Test
  void machine_lockFileUnlinkedRightAfterItIsOpened_lockHeldOnTheFileAtThePath() throws Exception {
    Path file = dir.resolve("m.lock");
    AtomicBoolean unlinked = new AtomicBoolean();
    // rm of another process deletes the file between this one's open and its lock
    MachineLocks locks =
        new MachineLocks(
            dir,
            opened -> {
              if (unlinked.compareAndSet(false, true)) {
                Files.delete(opened);
              }
            });
    try (MachineLocks.Held held = locks.machine("m")) {
      assertThat(unlinked).isTrue();
      assertThat(file).as("the locked file is the one a new caller opens").exists();
      try (FileChannel newCaller = FileChannel.open(file, StandardOpenOption.WRITE)) {
        assertThatThrownBy(newCaller::tryLock)
            .as("a new caller finds the file at the path locked")
            .isInstanceOf(OverlappingFileLockException.class);
      }
    }
  }

  @Test
  void global_reentrantInOneThread() {
    MachineLocks locks = new MachineLocks(dir);
    try (MachineLocks.Held outer = locks.global();
        MachineLocks.Held inner = locks.global()) {
      assertThat(outer).isNotNull();
      assertThat(inner).isNotNull();
    }
    try (MachineLocks.Held again = locks.global()) {
      assertThat(again).isNotNull();
    }
  }
}
