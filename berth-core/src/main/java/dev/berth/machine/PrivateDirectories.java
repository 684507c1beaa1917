package dev.berth.machine;

import dev.berth.BerthException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Directories that must be the user's alone: Berth's runtime directory and each machine's in it,
 * which hold the machine's sockets and logs. The runtime directory may be {@code /tmp/berth-UID}, a
 * name any other user can take first (with mode 0777, or as a symbolic link to a place of their
 * choosing); so each directory is checked, not only made: not a symbolic link, owned by the user,
 * mode 0700. Sockets in a directory that passes are reachable by the user alone, whatever mode the
 * program that made them gave them.
 */
public final class PrivateDirectories {
  static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

  /** What the check needs to know of a path, read without following a symbolic link there. */
  public record Facts(
      boolean symbolicLink, boolean directory, int owner, Set<PosixFilePermission> permissions) {}

  /** Where the facts come from and directories are made: the file system, or a test's fake. */
  public interface FileSystem {
    /** The facts of {@code path}, or empty when nothing is there. */
    Optional<Facts> facts(Path path) throws IOException;

    /** Makes {@code dir} with mode 0700; throws {@link FileAlreadyExistsException} if it exists. */
    void createOwnerOnly(Path dir) throws IOException;
  }

  /**
   * The real file system: POSIX attributes, the owner's uid from the "unix" view (Linux, macOS).
   */
  public static final FileSystem POSIX =
      new FileSystem() {
        @Override
        public Optional<Facts> facts(Path path) throws IOException {
          try {
            PosixFileAttributes attributes =
                Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int owner = (Integer) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            return Optional.of(
                new Facts(
                    attributes.isSymbolicLink(),
                    attributes.isDirectory(),
                    owner,
                    attributes.permissions()));
          } catch (NoSuchFileException e) {
            return Optional.empty();
          }
        }

        @Override
        public void createOwnerOnly(Path dir) throws IOException {
          Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        }
      };

  private final FileSystem files;
  private final int uid;

  /** Directories checked to belong to the user {@code uid}. */
  public PrivateDirectories(FileSystem files, int uid) {
    this.files = files;
    this.uid = uid;
  }

  /**
   * Makes {@code dir} (and its parents) if missing, then checks it and each of {@code parents} down
   * from the outermost, each of which must lie above {@code dir}. Throws, saying what is wrong and
   * with which path, if one is not the user's alone.
   */
  public Path ensure(Path dir, Path... checkedParents) {
    for (Path parent : checkedParents) {
      ensureOne(parent);
    }
    return ensureOne(dir);
  }

  /** Checks those of {@code dirs} that exist; a missing one is fine (it is made private later). */
  public void checkExisting(Path... dirs) {
    for (Path dir : dirs) {
      try {
        Optional<Facts> facts = files.facts(dir);
        if (facts.isPresent()) {
          check(dir, facts.get());
        }
      } catch (IOException e) {
        throw cannotCheck(dir, e);
      }
    }
  }

  private Path ensureOne(Path dir) {
    try {
      Optional<Facts> facts = files.facts(dir);
      if (facts.isEmpty()) {
        Path parent = dir.getParent();
        if (parent != null && files.facts(parent).isEmpty()) {
          Files.createDirectories(parent);
        }
        try {
          files.createOwnerOnly(dir);
        } catch (FileAlreadyExistsException e) {
          // made by someone else in the meantime: the check below decides
        }
        facts = files.facts(dir);
      }
      check(dir, facts.orElseThrow(() -> new NoSuchFileException(dir.toString())));
      return dir;
    } catch (IOException e) {
      throw cannotCheck(dir, e);
    }
  }

  private void check(Path dir, Facts facts) {
    String otherUsersHint =
        "another user may have made it to reach Berth's sockets and logs: have it removed"
            + " (ask its owner or root), or set XDG_RUNTIME_DIR to a directory of your own";
    if (facts.symbolicLink()) {
      throw new BerthException(
          "runtime directory " + dir + " is a symbolic link, not a directory of yours",
          "remove the link: rm " + dir + " (" + otherUsersHint + ")");
    }
    if (!facts.directory()) {
      throw new BerthException(
          "runtime directory " + dir + " is not a directory", "remove it: rm " + dir);
    }
    if (facts.owner() != uid) {
      throw new BerthException(
          "runtime directory "
              + dir
              + " belongs to uid "
              + facts.owner()
              + ", not to you (uid "
              + uid
              + ")",
          otherUsersHint);
    }
    if (!facts.permissions().equals(OWNER_ONLY)) {
      throw new BerthException(
          "runtime directory "
              + dir
              + " has mode "
              + PosixFilePermissions.toString(facts.permissions())
              + ": it must be rwx------ (0700), the user's alone",
          "if you made it so, fix it with: chmod 700 " + dir + "; else remove it: rm -r " + dir);
    }
  }

  private static BerthException cannotCheck(Path dir, IOException e) {
    return new BerthException(
        "cannot make or check runtime directory " + dir + ": " + e.getMessage(), null, e);
  }
}
