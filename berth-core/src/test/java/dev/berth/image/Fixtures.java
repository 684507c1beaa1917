package dev.berth.image;

import com.github.luben.zstd.ZstdOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Images and stream metadata made on the fly, so the tests ship no binaries. */
final class Fixtures {
  private Fixtures() {}

  /**
   * A raw "disk" of {@code mib} MiB: random data in the first and third quarter, zeros elsewhere,
   * so it compresses well and has holes, including a trailing one.
   */
  static byte[] disk(int mib, long seed) {
    byte[] data = new byte[mib << 20];
    Random random = new Random(seed);
    int quarter = data.length / 4;
    byte[] noise = new byte[quarter];
    random.nextBytes(noise);
    System.arraycopy(noise, 0, data, 0, quarter);
    random.nextBytes(noise);
    System.arraycopy(noise, 0, data, 2 * quarter, quarter);
    return data;
  }

  static byte[] xz(byte[] data) {
    return compress(data, out -> new XZOutputStream(out, new LZMA2Options(1)));
  }

  static byte[] gzip(byte[] data) {
    return compress(data, GZIPOutputStream::new);
  }

  static byte[] zstd(byte[] data) {
    return compress(data, ZstdOutputStream::new);
  }

  static byte[] bzip2(byte[] data) {
    return compress(data, BZip2CompressorOutputStream::new);
  }

  static String sha256(byte[] data) {
    return HexFormat.of().formatHex(Download.sha256().digest(data));
  }

  /** Stream metadata in the Fedora CoreOS format with one qemu qcow2.xz disk. */
  static String stream(String arch, String release, String location, String sha, String plainSha) {
    return """
    {
      "stream": "testing",
      "metadata": {"last-modified": "2026-11-20T00:00:00Z"},
      "architectures": {
        "%s": {
          "artifacts": {
            "qemu": {
              "release": "%s",
              "formats": {
                "qcow2.xz": {
                  "disk": {
                    "location": "%s",
                    "signature": "%s.sig",
                    "sha256": "%s"%s
                  }
                }
              }
            }
          }
        }
      }
    }
    """
        .formatted(
            arch,
            release,
            location,
            location,
            sha,
            plainSha == null ? "" : ",\n\"uncompressed-sha256\": \"" + plainSha + "\"");
  }

  /** Adds berth-os's {@code kernel} and {@code initramfs} beside the disk of {@link #stream}. */
  static String withBootFiles(
      String stream, String kernel, String kernelSha, String initramfs, String initramfsSha) {
    String file = "\"%s\": {\"location\": \"%s\", \"sha256\": \"%s\"},%n";
    return stream.replace(
        "\"disk\": {",
        file.formatted("kernel", kernel, kernelSha)
            + file.formatted("initramfs", initramfs, initramfsSha)
            + "\"disk\": {");
  }

  private interface Compressor {
    OutputStream wrap(OutputStream out) throws IOException;
  }

  private static byte[] compress(byte[] data, Compressor compressor) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = compressor.wrap(bytes)) {
      out.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
