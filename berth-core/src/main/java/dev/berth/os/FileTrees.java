package dev.berth.os;

import dev.berth.BerthException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Set;
import java.util.stream.Stream;

/** Deletes directory trees, for {@code rm}, {@code reset} and unwinding a failed {@code init}. */
public final class FileTrees {
  private FileTrees() {}

  /** Best effort while unwinding a failure; the original error is what the user needs. */
  public static void deleteQuietly(Path dir) {
    if (dir == null) {
      return;
    }
    try {
      delete(dir);
    } catch (BerthException e) {
      // the caller is already failing with a better error
    }
  }

  public static void delete(Path dir) {
    deleteExcept(dir, Set.of());
  }

  /** Deletes a tree, leaving the paths in {@code keep} and the directories that hold them. */
  public static void deleteExcept(Path root, Set<Path> keep) {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try {
      Files.walkFileTree(
          root,
          new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
              return keep.contains(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                throws IOException {
              if (!keep.contains(file)) {
                Files.delete(file);
              }
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
              try (Stream<Path> rest = Files.list(dir)) {
                if (rest.findAny().isEmpty()) {
                  Files.delete(dir);
                }
              }
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new BerthException("cannot delete " + root + ": " + e.getMessage(), null, e);
    }
  }
}
