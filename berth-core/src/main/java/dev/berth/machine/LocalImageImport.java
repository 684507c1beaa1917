package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.ProgressListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Imports a local qcow2 or raw disk image into the image cache, keyed by its SHA-256, so that
 * machine disks are overlays on a file Berth owns and the user may move or delete the original.
 */
public final class LocalImageImport implements BaseImageResolver {
  private final Path cache;
  private final DiskImages disks;

  public LocalImageImport(Path cache, DiskImages disks) {
    this.cache = cache;
    this.disks = disks;
  }

  @Override
  public BaseImage resolve(String image, ProgressListener progress) {
    Path source = Path.of(image).toAbsolutePath();
    if (!Files.isRegularFile(source)) {
      throw new BerthException(
          "image file " + source + " does not exist",
          "pass the path of a qcow2 or raw disk image with --image");
    }
    DiskImages.Info info = disks.info(source);
    if (!info.format().equals("qcow2") && !info.format().equals("raw")) {
      throw new BerthException(
          "image " + source + " is in format \"" + info.format() + "\"",
          "pass a qcow2 or raw disk image");
    }
    try {
      Files.createDirectories(cache);
      Path temp = Files.createTempFile(cache, ".import-", ".tmp");
      try {
        progress.step("Importing " + source.getFileName() + " into the image cache");
        String digest = copyHashing(source, temp, progress);
        Path cached = cache.resolve(digest + "." + info.format());
        if (!Files.exists(cached)) {
          AtomicFiles.moveAtomically(temp, cached);
        }
        return new BaseImage(
            cached, info.format(), "sha256:" + digest, source.toString(), "custom", null, null,
            null);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new BerthException("cannot import " + source + " into " + cache + ": " + e.getMessage());
    }
  }

  private static String copyHashing(Path source, Path target, ProgressListener progress)
      throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    long total = Files.size(source);
    try (InputStream in = new DigestInputStream(Files.newInputStream(source), sha256);
        var out = Files.newOutputStream(target)) {
      byte[] buffer = new byte[1 << 20];
      long done = 0;
      int n;
      while ((n = in.read(buffer)) > 0) {
        out.write(buffer, 0, n);
        done += n;
        progress.transfer("Importing", done, total);
      }
    }
    return HexFormat.of().formatHex(sha256.digest());
  }
}
