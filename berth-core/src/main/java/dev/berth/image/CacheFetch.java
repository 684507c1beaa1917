package dev.berth.image;

import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one {@link ImageArtifact} into the cache: its boot files and disk downloaded to temporary
 * files, then renamed into place (the disk last) and recorded in the index; on failure, nothing of
 * it stays but a resumable {@code .part}.
 */
final class CacheFetch {
  private static final Logger LOG = LoggerFactory.getLogger(ImageCache.class);

  private final Path root;
  private final Fetcher fetcher;
  private final Clock clock;
  private final Duration stallLimit;
  private final Path xzTool;
  private final CacheIndex index;

  CacheFetch(
      Path root,
      Supplier<HttpClient> http,
      Clock clock,
      Duration stallLimit,
      Path xzTool,
      CacheIndex index) {
    this.root = root;
    this.fetcher = new Fetcher(http);
    this.clock = clock;
    this.stallLimit = stallLimit;
    this.xzTool = xzTool;
    this.index = index;
  }

  /** The client for stream metadata, the same one images come with. */
  Fetcher fetcher() {
    return fetcher;
  }

  CachedImage fetch(ImageArtifact artifact, Architecture arch, ProgressListener progress) {
    plainHttpWarning(artifact)
        .ifPresent(warning -> progress.accept(new MachineEvent.Warning(warning)));
    try {
      Files.createDirectories(root);
    } catch (IOException e) {
      throw Download.cacheError(root, artifact, e);
    }
    Download download = new Download(fetcher, progress, stallLimit, xzTool);
    List<Path> temps = new ArrayList<>();
    try {
      // the boot files first: they are small, and a missing one fails before the disk is fetched
      Path kernel =
          artifact.kernel() == null ? null : copy(download, artifact.kernel(), temps, progress);
      Path initramfs =
          artifact.initramfs() == null
              ? null
              : copy(download, artifact.initramfs(), temps, progress);
      Path disk = newTemp(artifact, temps);
      String scheme = artifact.location().getScheme().toLowerCase(Locale.ROOT);
      Path part =
          artifact.sha256() != null && scheme.startsWith("http")
              ? root.resolve(artifact.sha256() + ".part")
              : null;
      progress.accept(new MachineEvent.Step("Fetching " + artifact.displayLocation()));
      Download.Result result = download.run(artifact, disk, part);
      Optional<IndexEntry> existing =
          index.entry(result.sha256()).filter(e -> complete(e, artifact));
      if (existing.isPresent()) {
        return index.touch(existing.get()).toImage(root, false);
      }
      Instant now = clock.instant();
      String digest = result.sha256();
      IndexEntry entry =
          new IndexEntry(
              digest,
              digest + "." + result.format(),
              result.format(),
              result.size(),
              result.uncompressedSha256(),
              artifact.source(),
              artifact.stream(),
              artifact.release(),
              artifact.stream() == null ? null : arch.streamName(),
              now,
              now,
              kernel == null ? null : digest + ".kernel",
              initramfs == null ? null : digest + ".initramfs");
      Map<Path, String> moves = new LinkedHashMap<>();
      if (kernel != null) {
        moves.put(kernel, entry.kernel());
      }
      if (initramfs != null) {
        moves.put(initramfs, entry.initramfs());
      }
      moves.put(disk, entry.file());
      publish(moves, entry, artifact);
      LOG.info(
          "cached {} as {} ({} bytes, {} allocated)",
          artifact.location(),
          entry.file(),
          result.size(),
          result.allocated());
      return entry.toImage(root, false);
    } finally {
      temps.forEach(CacheIndex::deleteQuietly);
    }
  }

  /**
   * What to tell the user when an image or the stream that names it comes over plain http: no TLS,
   * so only a SHA-256 from a stream fetched over https proves the image is the publisher's.
   */
  static Optional<String> plainHttpWarning(ImageArtifact artifact) {
    boolean plainImage = "http".equalsIgnoreCase(artifact.location().getScheme());
    boolean plainSource = artifact.source().regionMatches(true, 0, "http:", 0, "http:".length());
    if (!plainImage && !plainSource) {
      return Optional.empty();
    }
    String what =
        artifact.displayLocation()
            + (plainImage ? " is fetched" : " is named by a stream fetched")
            + " over http, without TLS: ";
    if (!plainSource) {
      return Optional.of(what + "it is checked against the SHA-256 its https stream gives");
    }
    return Optional.of(
        what
            + (artifact.sha256() == null
                ? "nothing verifies it (no SHA-256 is given for it)"
                : "its SHA-256 came over http too, so nothing proves it is the publisher's"));
  }

  private Path copy(
      Download download, ImageArtifact file, List<Path> temps, ProgressListener progress) {
    Path temp = newTemp(file, temps);
    progress.accept(new MachineEvent.Step("Fetching " + file.displayLocation()));
    download.copy(file, temp);
    return temp;
  }

  private Path newTemp(ImageArtifact artifact, List<Path> temps) {
    try {
      Path temp = Files.createTempFile(root, CacheIndex.TEMP_PREFIX, ".tmp");
      temps.add(temp);
      return temp;
    } catch (IOException e) {
      throw Download.cacheError(root, artifact, e);
    }
  }

  /** Whether a cached entry has every file the artifact brings (boot files included). */
  static boolean complete(IndexEntry entry, ImageArtifact artifact) {
    return (artifact.kernel() == null || entry.kernel() != null)
        && (artifact.initramfs() == null || entry.initramfs() != null);
  }

  /**
   * Renames the files into place, the disk last, then writes the index entry; undoes the renames on
   * failure.
   */
  private void publish(Map<Path, String> moves, IndexEntry entry, ImageArtifact artifact) {
    List<Path> placed = new ArrayList<>();
    try {
      for (Map.Entry<Path, String> move : moves.entrySet()) {
        Path target = root.resolve(move.getValue());
        Files.move(
            move.getKey(),
            target,
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
        placed.add(target);
      }
      index.writeEntry(entry);
    } catch (IOException e) {
      placed.forEach(CacheIndex::deleteQuietly);
      throw Download.cacheError(root, artifact, e);
    }
  }
}
