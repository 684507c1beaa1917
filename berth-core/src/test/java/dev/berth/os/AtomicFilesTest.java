package dev.berth.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  @Test
  void publish_putsTheWrittenFileInPlace_replacingAnOlderOne() throws IOException {
    Path written = Files.writeString(dir.resolve("state.partial"), "new state");
    Path target = Files.writeString(dir.resolve("state"), "old state");

    AtomicFiles.publish(written, target);

    assertThat(target).hasContent("new state");
    assertThat(written).doesNotExist();
  }

  @Test
  void publish_ofAFileNeverWritten_failsAndLeavesTheTargetAlone() throws IOException {
    Path target = Files.writeString(dir.resolve("state"), "old state");

    assertThatThrownBy(() -> AtomicFiles.publish(dir.resolve("absent"), target))
        .isInstanceOf(NoSuchFileException.class);
    assertThat(target).hasContent("old state");
  }
}
