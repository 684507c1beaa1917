package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SparseWriterTest {
  @TempDir Path dir;

  /** Writes {@code data} in slices of {@code slice} bytes, as a decompressor delivers them. */
  private SparseWriter write(Path file, byte[] data, int slice) throws Exception {
    SparseWriter writer = new SparseWriter(new RandomAccessFile(file.toFile(), "rw"), 4 * 4096);
    for (int at = 0; at < data.length; ) {
      int n = Math.min(Math.min(slice, data.length - at), writer.buffer().length - writer.filled());
      System.arraycopy(data, at, writer.buffer(), writer.filled(), n);
      writer.advance(n);
      at += n;
    }
    writer.finish();
    writer.close();
    return writer;
  }

  @Test
  void finish_dataWithZeroBlocks_writesOnlyNonZeroBlocksAndKeepsContent() throws Exception {
    byte[] data = new byte[10 * 4096 + 100];
    data[0] = 1;
    data[5 * 4096 + 7] = 2;
    data[10 * 4096 + 99] = 3;
    Path file = dir.resolve("img");
    SparseWriter writer = write(file, data, 3000);
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    assertThat(writer.length()).isEqualTo(data.length);
    assertThat(writer.allocatedBytes()).isEqualTo(4096 + 4096 + 100);
  }

  @Test
  void finish_trailingZeros_setsTheFullLength() throws Exception {
    byte[] data = new byte[9 * 4096];
    data[1] = 9;
    Path file = dir.resolve("img");
    SparseWriter writer = write(file, data, 4096 * 3);
    assertThat(Files.size(file)).isEqualTo(data.length);
    assertThat(Files.readAllBytes(file)).isEqualTo(data);
    assertThat(writer.allocatedBytes()).isEqualTo(4096);
  }

  @Test
  void finish_allZeros_writesNothingButTheLength() throws Exception {
    Path file = dir.resolve("img");
    SparseWriter writer = write(file, new byte[20000], 20000);
    assertThat(Files.size(file)).isEqualTo(20000);
    assertThat(writer.allocatedBytes()).isZero();
  }
}
