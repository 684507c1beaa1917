package dev.berth.image;

import dev.berth.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/** What a disk image looks like: qcow2 by its magic; raw by a plausible size. */
final class DiskImageFiles {
  private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xFB};
  private static final int SECTOR = 512;
  private static final long MIN_RAW_BYTES = 1 << 20;

  private DiskImageFiles() {}

  /** Whether an image starting with {@code head} is qcow2. */
  static boolean isQcow2(byte[] head) {
    return head != null
        && head.length >= QCOW2_MAGIC.length
        && Arrays.equals(head, 0, QCOW2_MAGIC.length, QCOW2_MAGIC, 0, QCOW2_MAGIC.length);
  }

  /**
   * Refuses a local file that cannot be a disk image, such as {@code --image /etc/hostname}: one
   * neither qcow2 nor compressed (what is inside a compressed one is checked as it is decompressed)
   * whose size is no whole number of 512-byte sectors of at least 1 MiB.
   */
  static void requireDiskImage(Path file) {
    byte[] head;
    long size;
    try (InputStream in = Files.newInputStream(file)) {
      head = in.readNBytes(Compression.MAGIC_LENGTH);
      size = Files.size(file);
    } catch (IOException e) {
      throw new BerthException("cannot read image file " + file + ": " + e.getMessage(), null, e);
    }
    if (isQcow2(head) || isCompressed(head) || (size >= MIN_RAW_BYTES && size % SECTOR == 0)) {
      return;
    }
    throw new BerthException(
        "image file "
            + file
            + " is not a disk image: it is neither qcow2 nor compressed, and its "
            + size
            + " bytes are no raw disk (whole 512-byte sectors, at least 1 MiB)",
        "give --image a qcow2 or raw disk image, compressed with xz, gzip or zstd or not");
  }

  /** Compressed in any format Compression knows; an unsupported one is named by the download. */
  private static boolean isCompressed(byte[] head) {
    try {
      return Compression.detect(head) != Compression.NONE;
    } catch (Compression.UnsupportedCompressionException e) {
      return true;
    }
  }
}
