package dev.berth.image;

import com.github.luben.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * How an image file is compressed, told by its first bytes rather than its name: stream files and
 * URLs name their format, but a local file may be called anything.
 */
public enum Compression {
  XZ(new byte[] {(byte) 0xFD, '7', 'z', 'X', 'Z', 0}),
  GZIP(new byte[] {0x1F, (byte) 0x8B}),
  ZSTD(new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD}),
  NONE(new byte[0]);

  /** How many leading bytes {@link #detect} looks at. */
  public static final int MAGIC_LENGTH = 6;

  private record Unsupported(String format, byte[] magic) {}

  /** Formats Berth recognises but cannot read. */
  private static final Unsupported[] UNSUPPORTED = {
    new Unsupported("bzip2", new byte[] {'B', 'Z', 'h'}),
    new Unsupported("zip", new byte[] {'P', 'K', 3, 4}),
    new Unsupported("7-zip", new byte[] {'7', 'z', (byte) 0xBC, (byte) 0xAF, 0x27, 0x1C}),
    new Unsupported("lz4", new byte[] {0x04, 0x22, 0x4D, 0x18}),
    new Unsupported("lzip", new byte[] {'L', 'Z', 'I', 'P'}),
  };

  private final byte[] magic;

  Compression(byte[] magic) {
    this.magic = magic;
  }

  /** Thrown when the data is compressed in a format Berth cannot read. */
  public static final class UnsupportedCompressionException extends Exception {
    private static final long serialVersionUID = 1L;
    private final String format;

    UnsupportedCompressionException(String format) {
      super(format + " compression is not supported");
      this.format = format;
    }

    /** The format's usual name, e.g. {@code bzip2}. */
    public String format() {
      return format;
    }
  }

  /**
   * Tells the compression from the first bytes of the data.
   *
   * @param head up to {@link #MAGIC_LENGTH} leading bytes (fewer when the data is shorter)
   * @return {@link #NONE} for data that starts with no known compression magic
   * @throws UnsupportedCompressionException for bzip2, zip, 7-zip, lz4 or lzip data
   */
  public static Compression detect(byte[] head) throws UnsupportedCompressionException {
    for (Compression c : values()) {
      if (c != NONE && startsWith(head, c.magic)) {
        return c;
      }
    }
    for (Unsupported unsupported : UNSUPPORTED) {
      if (startsWith(head, unsupported.magic())) {
        throw new UnsupportedCompressionException(unsupported.format());
      }
    }
    return NONE;
  }

  /** A stream of the decompressed data. */
  public InputStream decompress(InputStream in) throws IOException {
    switch (this) {
      case XZ:
        return new XZInputStream(in);
      case GZIP:
        return GzipCompressorInputStream.builder()
            .setInputStream(in)
            .setDecompressConcatenated(true)
            .get();
      case ZSTD:
        return new ZstdInputStream(in);
      default:
        return in;
    }
  }

  private static boolean startsWith(byte[] head, byte[] prefix) {
    return head.length >= prefix.length
        && Arrays.equals(head, 0, prefix.length, prefix, 0, prefix.length);
  }
}
