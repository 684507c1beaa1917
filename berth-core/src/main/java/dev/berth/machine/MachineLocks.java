package dev.berth.machine;

import dev.berth.BerthException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Inter-process locks, so that two {@code berth} processes never corrupt each other: one lock per
 * machine, and one global lock for what spans machines (creating one, allocating ports, reset).
 * Backed by {@code flock}-style file locks, plus an in-process lock because the JVM refuses a
 * second file lock on the same file from the same process.
 */
public final class MachineLocks {
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final Path dir;

  public MachineLocks(Path dir) {
    this.dir = dir;
  }

  /** A held lock; closing it releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  public Held global() {
    return acquire(dir.resolve("global.lock"), "all machines");
  }

  public Held machine(String name) {
    return acquire(dir.resolve(MachineName.validate(name) + ".lock"), "machine \"" + name + "\"");
  }

  private static Held acquire(Path file, String what) {
    ReentrantLock local = IN_PROCESS.computeIfAbsent(file.toAbsolutePath(), f -> new ReentrantLock());
    local.lock();
    if (local.getHoldCount() > 1) {
      return local::unlock;
    }
    try {
      Files.createDirectories(file.getParent());
      FileChannel channel =
          FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = waitForLock(channel, what);
      return () -> {
        try {
          lock.release();
          channel.close();
        } catch (IOException e) {
          // Closing the channel releases the lock in any case.
        } finally {
          local.unlock();
        }
      };
    } catch (IOException | RuntimeException e) {
      local.unlock();
      if (e instanceof BerthException b) {
        throw b;
      }
      throw new BerthException("cannot lock " + what + " (" + file + "): " + e.getMessage());
    }
  }

  private static FileLock waitForLock(FileChannel channel, String what) throws IOException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      FileLock lock = channel.tryLock();
      if (lock != null) {
        return lock;
      }
      if (System.nanoTime() > deadline) {
        channel.close();
        throw new BerthException(
            "another berth command has held the lock on " + what + " for " + WAIT.toSeconds() + " s",
            "wait for it to finish, or find it with: ps -ef | grep berth");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        channel.close();
        throw new BerthException("interrupted while waiting for the lock on " + what);
      }
    }
  }
}
