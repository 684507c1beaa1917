package dev.berth.image;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the cache stores about one image, as {@code <digest>.json} beside it; {@link CachedImage}
 * minus what is derived.
 */
record IndexEntry(
    String digest,
    String file,
    String format,
    long size,
    String uncompressedSha256,
    String source,
    String stream,
    String release,
    String architecture,
    Instant created,
    Instant lastUsed,
    String kernel,
    String initramfs) {

  IndexEntry withLastUsed(Instant when) {
    return new IndexEntry(
        digest,
        file,
        format,
        size,
        uncompressedSha256,
        source,
        stream,
        release,
        architecture,
        created,
        when,
        kernel,
        initramfs);
  }

  /** The image's files: the disk, and the kernel and initramfs when it has them. */
  List<String> files() {
    List<String> files = new ArrayList<>();
    files.add(file);
    if (kernel != null) {
      files.add(kernel);
    }
    if (initramfs != null) {
      files.add(initramfs);
    }
    return files;
  }

  CachedImage toImage(Path root, boolean inUse) {
    return new CachedImage(
        digest,
        root.resolve(file),
        format,
        size,
        source,
        stream,
        release,
        architecture,
        created,
        lastUsed,
        inUse,
        kernel == null ? null : root.resolve(kernel),
        initramfs == null ? null : root.resolve(initramfs));
  }
}
