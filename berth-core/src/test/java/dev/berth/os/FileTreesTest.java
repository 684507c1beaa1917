package dev.berth.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir Path tmp;

  @Test
  void deletesATreeButWhatItMustKeepAndTheDirectoriesHoldingIt() throws Exception {
    Path root = tmp.resolve("root");
    Path kept = root.resolve("a/b/kept");
    Path keptDir = root.resolve("locks");
    Files.createDirectories(kept.getParent());
    Files.writeString(kept, "x");
    Files.writeString(root.resolve("a/gone"), "x");
    Files.createDirectories(root.resolve("c/d"));
    Files.createDirectories(keptDir);
    Files.writeString(keptDir.resolve("inside"), "x");

    FileTrees.deleteExcept(root, Set.of(kept, keptDir));

    assertThat(kept).exists();
    assertThat(keptDir.resolve("inside")).exists();
    assertThat(root.resolve("a/gone")).doesNotExist();
    assertThat(root.resolve("c")).doesNotExist();
  }

  @Test
  void deletesAWholeTreeAndIgnoresAMissingOne() throws Exception {
    Path root = tmp.resolve("root");
    Files.createDirectories(root.resolve("x/y"));
    Files.writeString(root.resolve("x/y/f"), "x");

    FileTrees.delete(root);
    FileTrees.deleteQuietly(root);
    FileTrees.deleteQuietly(null);

    assertThat(root).doesNotExist();
  }
}
