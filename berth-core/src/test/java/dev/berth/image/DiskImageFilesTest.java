package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import dev.berth.ProgressListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskImageFilesTest {
  @TempDir Path dir;

  @Test
  void requireDiskImage_qcow2CompressedOrRawSized_accepted() throws Exception {
    byte[] qcow2Header = {'Q', 'F', 'I', (byte) 0xFB, 0, 0, 0, 3};
    for (Path image :
        new Path[] {
          Files.write(dir.resolve("small.qcow2"), qcow2Header),
          Files.write(dir.resolve("d.raw.xz"), Fixtures.xz(new byte[] {1, 2, 3})),
          Files.write(dir.resolve("d.raw.gz"), Fixtures.gzip(new byte[] {1, 2, 3})),
          Files.write(dir.resolve("d.raw.zst"), Fixtures.zstd(new byte[] {1, 2, 3})),
          Files.write(dir.resolve("d.raw"), new byte[1 << 20]),
        }) {
      DiskImageFiles.requireDiskImage(image);
    }
  }

  @Test
  void requireDiskImage_textOrOddSizedFile_refused() throws Exception {
    for (Path notADisk :
        new Path[] {
          Files.writeString(dir.resolve("hostname"), "myhost\n", StandardCharsets.UTF_8),
          Files.write(dir.resolve("odd.raw"), new byte[(1 << 20) + 1]),
          Files.write(dir.resolve("short.raw"), new byte[512 * 100]),
        }) {
      assertThatThrownBy(() -> DiskImageFiles.requireDiskImage(notADisk))
          .as(notADisk.toString())
          .isInstanceOf(BerthException.class)
          .hasMessageStartingWith("image file " + notADisk + " is not a disk image");
    }
  }

  @Test
  void pull_localFileThatIsNoDisk_refusedAndNothingCached() throws Exception {
    Path hostname = Files.writeString(dir.resolve("hostname"), "myhost\n");
    ImageCache cache = new ImageCache(dir.resolve("images"));
    assertThatThrownBy(
            () -> cache.pull(ImageSource.parse(hostname.toString()), ProgressListener.NONE))
        .hasMessageContaining("is not a disk image");
    assertThat(dir.resolve("images")).doesNotExist();
  }
}
