package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateDirectoriesTest {
  private static final int ME = 1000;
  private static final int OTHER = 1001;

  @TempDir Path dir;

  /** A file system of facts: what another user made first is set up by the test. */
  private static final class FakeFiles implements PrivateDirectories.FileSystem {
    final Map<Path, PrivateDirectories.Facts> facts = new HashMap<>();

    FakeFiles() {
      facts.put(
          Path.of("/tmp"),
          new PrivateDirectories.Facts(
              false, true, 0, PosixFilePermissions.fromString("rwxrwxrwx")));
    }

    @Override
    public Optional<PrivateDirectories.Facts> facts(Path path) {
      return Optional.ofNullable(facts.get(path));
    }

    @Override
    public void createOwnerOnly(Path path) throws IOException {
      if (facts.containsKey(path)) {
        throw new FileAlreadyExistsException(path.toString());
      }
      facts.put(path, new PrivateDirectories.Facts(false, true, ME, PrivateDirectories.OWNER_ONLY));
    }
  }

  private final FakeFiles files = new FakeFiles();
  private final PrivateDirectories dirs = new PrivateDirectories(files, ME);
  private final Path runtime = Path.of("/tmp/berth-1000");
  private final Path machine = runtime.resolve("m");

  @Test
  void ensure_missing_madeOwnerOnly() {
    assertThat(dirs.ensure(machine, runtime)).isEqualTo(machine);
    assertThat(files.facts.get(runtime).owner()).isEqualTo(ME);
    assertThat(files.facts.get(machine).permissions()).isEqualTo(PrivateDirectories.OWNER_ONLY);
  }

  @Test
  void ensure_runtimeMadeFirstByAnotherUser_refusedWithThePath() {
    files.facts.put(
        runtime,
        new PrivateDirectories.Facts(
            false, true, OTHER, PosixFilePermissions.fromString("rwxrwxrwx")));
    assertThatThrownBy(() -> dirs.ensure(machine, runtime))
        .isInstanceOf(BerthException.class)
        .hasMessage("runtime directory /tmp/berth-1000 belongs to uid 1001, not to you (uid 1000)")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .hasValueSatisfying(h -> assertThat(h).contains("XDG_RUNTIME_DIR")));
    assertThat(files.facts).doesNotContainKey(machine);
  }

  @Test
  void ensure_symbolicLink_refused() {
    files.facts.put(
        runtime,
        new PrivateDirectories.Facts(
            true, false, OTHER, PosixFilePermissions.fromString("rwxrwxrwx")));
    assertThatThrownBy(() -> dirs.ensure(machine, runtime))
        .hasMessage(
            "runtime directory /tmp/berth-1000 is a symbolic link, not a directory of yours")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .hasValueSatisfying(h -> assertThat(h).contains("rm /tmp/berth-1000")));
  }

  @Test
  void ensure_ownButOpenToOthers_refused() {
    files.facts.put(
        runtime, new PrivateDirectories.Facts(false, true, ME, PrivateDirectories.OWNER_ONLY));
    files.facts.put(
        machine,
        new PrivateDirectories.Facts(
            false, true, ME, PosixFilePermissions.fromString("rwxr-xr-x")));
    assertThatThrownBy(() -> dirs.ensure(machine, runtime))
        .hasMessageContaining("runtime directory /tmp/berth-1000/m has mode rwxr-xr-x")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .hasValueSatisfying(
                        h -> assertThat(h).contains("chmod 700 /tmp/berth-1000/m")));
  }

  @Test
  void checkExisting_missingIsFine_hostileIsNot() {
    dirs.checkExisting(runtime, machine);
    assertThat(files.facts).doesNotContainKeys(runtime, machine);
    files.facts.put(
        runtime, new PrivateDirectories.Facts(false, true, OTHER, PrivateDirectories.OWNER_ONLY));
    assertThatThrownBy(() -> dirs.checkExisting(runtime, machine))
        .hasMessageContaining("belongs to uid 1001");
  }

  @Test
  void posix_realDirectories_madeAndChecked() throws Exception {
    int me = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    PrivateDirectories real = new PrivateDirectories(PrivateDirectories.POSIX, me);
    Path root = dir.resolve("home/run");
    Path m = real.ensure(root.resolve("m"), root);
    assertThat(Files.getPosixFilePermissions(root)).isEqualTo(PrivateDirectories.OWNER_ONLY);
    assertThat(Files.getPosixFilePermissions(m)).isEqualTo(PrivateDirectories.OWNER_ONLY);

    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertThatThrownBy(() -> real.ensure(open.resolve("m"), open))
        .hasMessageContaining("has mode rwxrwxrwx");

    Path link = Files.createSymbolicLink(dir.resolve("link"), root);
    assertThatThrownBy(() -> real.ensure(link.resolve("m"), link))
        .hasMessageContaining("is a symbolic link");
    assertThatThrownBy(
            () -> new PrivateDirectories(PrivateDirectories.POSIX, me + 1).ensure(m, root))
        .hasMessageContaining("belongs to uid " + me);
  }
}
