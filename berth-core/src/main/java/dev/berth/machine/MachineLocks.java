package dev.berth.machine;

import dev.berth.BerthException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Inter-process locks, so that two {@code berth} processes never corrupt each other: one lock per
 * machine, and one global lock for what spans machines (creating one, allocating ports, reset).
 * Backed by {@code flock}-style file locks, plus an in-process lock because the JVM refuses a
 * second file lock on the same file from the same process.
 */
public final class MachineLocks {
  private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS =
      new ConcurrentHashMap<>();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Object UNKEYED = new Object();

  private final Path dir;
  private final OpenHook afterOpen;

  public MachineLocks(Path dir) {
    this(dir, file -> {});
  }

  /** Locks whose {@code afterOpen} runs as each lock file is opened: a test's other process. */
  MachineLocks(Path dir, OpenHook afterOpen) {
    this.dir = dir;
    this.afterOpen = afterOpen;
  }

  /** What happens right after a lock file is opened, before it is locked. */
  interface OpenHook {
    void opened(Path file) throws IOException;
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

  /**
   * Deletes a machine's lock file, as {@code rm} does once the machine is gone. Only the holder of
   * that lock may call this: a process that opened the file before and waits for it then gets a
   * lock on a file no longer at the path, sees that (see {@link #acquire}) and locks the file there
   * now, which a later locker creates anew.
   */
  public void deleteMachineLock(String name) {
    Path file = dir.resolve(MachineName.validate(name) + ".lock");
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new BerthException("cannot delete lock file " + file + ": " + e.getMessage(), null, e);
    }
  }

  /**
   * Locks the file at {@code file}. Since {@link #deleteMachineLock} may unlink it, a lock counts
   * only on the file still at the path: the file is opened between two looks at the path that find
   * the same file (an unlinked file never returns to it; no file at the second look means the
   * opened one may be unlinked), and after the lock is granted the path must still name that file;
   * else the lock is dropped and taken again on the file there now.
   */
  private Held acquire(Path file, String what) {
    ReentrantLock local =
        IN_PROCESS.computeIfAbsent(file.toAbsolutePath(), f -> new ReentrantLock());
    lockInProcess(local, what);
    if (local.getHoldCount() > 1) {
      return local::unlock;
    }
    try {
      Files.createDirectories(file.getParent());
      FileChannel channel;
      FileLock lock;
      while (true) {
        Object before = identity(file);
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        afterOpen.opened(file);
        Object opened = identity(file);
        if (opened == null || !opened.equals(before)) {
          channel.close(); // created just now, replaced or unlinked meanwhile: open again to know
          continue;
        }
        lock = waitForLock(channel, what);
        if (opened.equals(identity(file))) {
          break;
        }
        lock.release();
        channel.close();
      }
      FileChannel heldChannel = channel;
      FileLock heldLock = lock;
      return () -> {
        try {
          heldLock.release();
          heldChannel.close();
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
      throw new BerthException(
          "cannot lock " + what + " (" + file + "): " + e.getMessage(), null, e);
    }
  }

  /**
   * The identity (device and inode) of the file at {@code file}, or null if there is none. A file
   * system without file keys (none that Berth runs on) gives {@link #UNKEYED}: only that a file is
   * there can be checked.
   */
  private static Object identity(Path file) throws IOException {
    try {
      Object key =
          Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
              .fileKey();
      return key == null ? UNKEYED : key;
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /**
   * Waits for the in-process lock as long as for the file lock: another thread is another caller.
   */
  private static void lockInProcess(ReentrantLock local, String what) {
    try {
      if (!local.tryLock(WAIT.toNanos(), TimeUnit.NANOSECONDS)) {
        throw heldTooLong(what);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BerthException("interrupted while waiting for the lock on " + what, null, e);
    }
  }

  private static BerthException heldTooLong(String what) {
    return new BerthException(
        "another berth command has held the lock on " + what + " for " + WAIT.toSeconds() + " s",
        "wait for it to finish, or find it with: ps -ef | grep berth");
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
        throw heldTooLong(what);
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
