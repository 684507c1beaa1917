package dev.berth.connection;

import dev.berth.BerthException;
import dev.berth.os.AtomicFiles;
import dev.berth.os.Host;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * A symbolic link at Docker Desktop's socket path, {@code ~/.docker/desktop/docker.sock}, to a
 * machine's API socket. Testcontainers looks there with no setting (its Docker Desktop strategy, on
 * Linux and macOS, after {@code DOCKER_HOST}, {@code ~/.testcontainers.properties} and {@code
 * /var/run/docker.sock}), and tells containers that mount the daemon's socket to use {@code
 * /var/run/docker.sock}, which berth-os links to podman's. A link adds one entry and edits no file
 * of the user; while the machine is stopped it leads nowhere, and Testcontainers passes over it.
 * Only a link to a machine socket under Berth's runtime directory is Berth's: a socket of Docker
 * Desktop itself, or anything else there, is never touched.
 */
public final class DesktopSocketLink {
  private final Path link;
  private final Path runtime;

  DesktopSocketLink(Path link, Path runtime) {
    this.link = link.toAbsolutePath();
    this.runtime = runtime.toAbsolutePath();
  }

  /** The link in the home directory of this host's user; {@code runtime}: Berth's runtime root. */
  public static DesktopSocketLink of(Host host, Path runtime) {
    return new DesktopSocketLink(
        DockerContexts.userHome(host).resolve(".docker").resolve("desktop").resolve("docker.sock"),
        runtime);
  }

  public Path path() {
    return link;
  }

  /**
   * Points the link at {@code socket} when the path is free, or holds Berth's link to a machine
   * that is not running (its socket is gone); with {@code evenIfRunning}, also when it holds
   * another running Berth machine's. Returns whether the link now leads to {@code socket}.
   */
  public boolean claim(Path socket, boolean evenIfRunning) {
    Path target = socket.toAbsolutePath();
    try {
      Files.createDirectories(
          link.getParent(),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createSymbolicLink(link, target);
          return true;
        } catch (FileAlreadyExistsException e) {
          // made by someone else just now: judged below like any link found there
        }
      }
      Path current = berthTarget().orElse(null);
      if (current == null) {
        return false;
      }
      if (current.equals(target)) {
        return true;
      }
      if (Files.exists(current) && !evenIfRunning) {
        return false;
      }
      Path temp =
          link.resolveSibling("." + link.getFileName() + "." + ProcessHandle.current().pid());
      Files.deleteIfExists(temp);
      Files.createSymbolicLink(temp, target);
      AtomicFiles.moveAtomically(temp, link);
      return true;
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /** Removes the link if it leads to {@code socket}. */
  public void release(Path socket) {
    try {
      if (berthTarget().map(socket.toAbsolutePath()::equals).orElse(false)) {
        Files.delete(link);
      }
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /** The link's target when the link is Berth's: {@code RUNTIME/NAME/podman.sock}. */
  private Optional<Path> berthTarget() throws IOException {
    if (!Files.isSymbolicLink(link)) {
      return Optional.empty();
    }
    Path target = Files.readSymbolicLink(link);
    Path machineDir = target.getParent();
    boolean berths =
        target.isAbsolute()
            && target.getFileName().toString().equals("podman.sock")
            && machineDir != null
            && runtime.equals(machineDir.getParent());
    return berths ? Optional.of(target) : Optional.empty();
  }

  private BerthException failure(IOException e) {
    return new BerthException(
        "cannot update the socket link " + link + ": " + e.getMessage(),
        "check that " + link.getParent() + " is yours and writable",
        e);
  }
}
