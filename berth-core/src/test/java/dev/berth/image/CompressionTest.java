package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class CompressionTest {
  private static final byte[] DATA = Fixtures.disk(1, 7);

  private static byte[] head(byte[] data) {
    return Arrays.copyOf(data, Math.min(data.length, Compression.MAGIC_LENGTH));
  }

  private static byte[] roundTrip(Compression compression, byte[] compressed) throws IOException {
    try (InputStream in = compression.decompress(new ByteArrayInputStream(compressed))) {
      return in.readAllBytes();
    }
  }

  @ParameterizedTest
  @EnumSource(names = {"XZ", "GZIP", "ZSTD"})
  void detect_compressedData_isDetectedAndDecompresses(Compression compression) throws Exception {
    byte[] compressed =
        switch (compression) {
          case XZ -> Fixtures.xz(DATA);
          case GZIP -> Fixtures.gzip(DATA);
          default -> Fixtures.zstd(DATA);
        };
    assertThat(Compression.detect(head(compressed))).isEqualTo(compression);
    assertThat(roundTrip(compression, compressed)).isEqualTo(DATA);
  }

  @Test
  void detect_qcow2OrShortData_isNone() throws Exception {
    assertThat(Compression.detect(new byte[] {'Q', 'F', 'I', (byte) 0xFB, 0, 0}))
        .isEqualTo(Compression.NONE);
    assertThat(Compression.detect(new byte[] {0x1F})).isEqualTo(Compression.NONE);
    assertThat(Compression.detect(new byte[0])).isEqualTo(Compression.NONE);
  }

  @Test
  void detect_concatenatedGzipMembers_decompressesAll() throws Exception {
    byte[] one = Fixtures.gzip(new byte[] {1, 2});
    byte[] two = Fixtures.gzip(new byte[] {3});
    byte[] both = Arrays.copyOf(one, one.length + two.length);
    System.arraycopy(two, 0, both, one.length, two.length);
    assertThat(roundTrip(Compression.GZIP, both)).containsExactly(1, 2, 3);
  }

  @Test
  void detect_bzip2_throwsNamingIt() {
    byte[] bz = Fixtures.bzip2(new byte[] {1, 2, 3});
    assertThatThrownBy(() -> Compression.detect(head(bz)))
        .isInstanceOf(Compression.UnsupportedCompressionException.class)
        .extracting(e -> ((Compression.UnsupportedCompressionException) e).format())
        .isEqualTo("bzip2");
  }

  @Test
  void detect_zip_throwsNamingIt() {
    assertThatThrownBy(() -> Compression.detect(new byte[] {'P', 'K', 3, 4, 20, 0}))
        .isInstanceOf(Compression.UnsupportedCompressionException.class)
        .hasMessageStartingWith("zip");
  }
}
