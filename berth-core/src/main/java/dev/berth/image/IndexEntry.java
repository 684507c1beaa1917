package dev.berth.image;

import java.nio.file.Path;
import java.time.Instant;

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
    Instant lastUsed) {

  IndexEntry withLastUsed(Instant when) {
    return new IndexEntry(
        digest, file, format, size, uncompressedSha256, source, stream, release, architecture,
        created, when);
  }

  CachedImage toImage(Path root, boolean inUse) {
    return new CachedImage(
        digest, root.resolve(file), format, size, source, stream, release, architecture, created,
        lastUsed, inUse);
  }
}
