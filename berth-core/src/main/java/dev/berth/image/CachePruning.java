package dev.berth.image;

import static dev.berth.image.ImageCache.LEFTOVER_AGE;

import dev.berth.BerthException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes cached images no machine uses (superseded, every one, or unused for an age) and what
 * failed pulls left; an image's index entry goes first, so an image is listed whole or not at all.
 */
final class CachePruning {
  private static final Logger LOG = LoggerFactory.getLogger(ImageCache.class);

  private final Path root;
  private final Clock clock;
  private final CacheIndex index;

  CachePruning(Path root, Clock clock, CacheIndex index) {
    this.root = root;
    this.clock = clock;
    this.index = index;
  }

  /**
   * Removes images no machine uses, and leftovers of failed pulls older than a day.
   *
   * @param all every unused image; without it only those superseded by a newer image of the same
   *     stream (or source) and architecture
   * @param inUse digests or paths of the images that machines use: these are never removed
   * @return the images removed
   */
  List<CachedImage> prune(boolean all, Set<String> inUse) {
    List<IndexEntry> entries = index.entries();
    List<IndexEntry> doomed = new ArrayList<>();
    for (IndexEntry entry : entries) {
      boolean superseded =
          entries.stream()
              .anyMatch(
                  other ->
                      other != entry
                          && Objects.equals(other.source(), entry.source())
                          && Objects.equals(other.architecture(), entry.architecture())
                          && other.created().isAfter(entry.created()));
      if ((all || superseded) && !index.isInUse(entry, inUse)) {
        doomed.add(entry);
      }
    }
    removeLeftovers(LEFTOVER_AGE);
    return remove(doomed);
  }

  /**
   * Removes images no machine uses that were last used longer than {@code age} ago, and leftovers
   * of failed or interrupted pulls older than a day (a pull killed by Ctrl-C leaves its temporary
   * file); {@code init} calls it with {@link #AUTO_PRUNE_AGE} after a pull.
   *
   * @param inUse digests or paths of the images that machines use: these are never removed
   * @return the images removed
   */
  List<CachedImage> pruneOlderThan(Duration age, Set<String> inUse) {
    Instant cutoff = clock.instant().minus(age);
    List<IndexEntry> doomed = new ArrayList<>();
    for (IndexEntry entry : index.entries()) {
      if (entry.lastUsed().isBefore(cutoff) && !index.isInUse(entry, inUse)) {
        doomed.add(entry);
      }
    }
    removeLeftovers(age.compareTo(LEFTOVER_AGE) < 0 ? age : LEFTOVER_AGE);
    return remove(doomed);
  }

  private List<CachedImage> remove(List<IndexEntry> doomed) {
    List<CachedImage> removed = new ArrayList<>();
    for (IndexEntry entry : doomed) {
      try {
        // the index entry first: an image without one is invisible, never half-listed
        Files.deleteIfExists(root.resolve(entry.digest() + ".json"));
        for (String file : entry.files()) {
          Files.deleteIfExists(root.resolve(file));
        }
      } catch (IOException e) {
        throw new BerthException(
            "cannot remove cached image " + root.resolve(entry.file()) + ": " + Fetcher.describe(e),
            "check the permissions of " + root,
            e);
      }
      removed.add(entry.toImage(root, false));
    }
    return removed;
  }

  /** Removes part files, temporary files and images without an index entry older than age. */
  private void removeLeftovers(Duration age) {
    Instant cutoff = clock.instant().minus(age);
    for (Path file : index.files()) {
      String name = file.getFileName().toString();
      String stem = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
      boolean leftover =
          name.startsWith(CacheIndex.TEMP_PREFIX)
              || name.endsWith(".part")
              || (CacheIndex.DIGEST.matcher(stem).matches()
                  && !name.endsWith(".json")
                  && !Files.exists(root.resolve(stem + ".json")));
      try {
        if (leftover && Files.getLastModifiedTime(file).toInstant().isBefore(cutoff)) {
          LOG.info("removing leftover {}", file);
          Files.deleteIfExists(file);
        }
      } catch (IOException e) {
        LOG.warn("cannot remove leftover {}: {}", file, e.toString());
      }
    }
  }
}
