package dev.berth.os;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes that never leave a half-written file: the content goes to a temporary file in the same
 * directory, is flushed to disk, and replaces the target by an atomic rename. A reader sees the old
 * content or the new, never a mix.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, String content, Set<PosixFilePermission> mode)
      throws IOException {
    write(target, content.getBytes(StandardCharsets.UTF_8), mode);
  }

  public static void write(Path target, byte[] content, Set<PosixFilePermission> mode)
      throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp =
        Files.createTempFile(
            dir,
            "." + target.getFileName() + ".",
            ".tmp",
            PosixFilePermissions.asFileAttribute(mode));
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(content));
        channel.force(true);
      }
      moveAtomically(temp, target);
      syncDirectory(dir);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Puts a file another program wrote into place: its content reaches the disk before the rename,
   * and the rename before this returns, so that a crash leaves either no {@code target} or all of
   * it.
   */
  public static void publish(Path written, Path target) throws IOException {
    try (FileChannel channel = FileChannel.open(written, StandardOpenOption.WRITE)) {
      channel.force(true);
    }
    moveAtomically(written, target);
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /** Renames, replacing the target; both must be on one file system. */
  public static void moveAtomically(Path source, Path target) throws IOException {
    try {
      Files.move(
          source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + source + " to " + target + " atomically", e);
    }
  }

  /** Renames a directory into place, failing if the target already exists. */
  public static void publishDirectory(Path source, Path target) throws IOException {
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString());
    }
    Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory(target.toAbsolutePath().getParent());
  }

  /** Makes a rename durable: on Linux a directory's entries are flushed by fsync on it. */
  static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems refuse to open a directory for sync; the rename itself is still atomic.
    }
  }
}
