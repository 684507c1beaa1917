package dev.berth.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.berth.BerthException;
import dev.berth.Json;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache directory's index: one {@code <digest>.json} {@link IndexEntry} per image, read only
 * when every file it names is there, and replaced by an atomic rename; what else lies in the
 * directory; and which entries the machines use.
 */
final class CacheIndex {
  private static final Logger LOG = LoggerFactory.getLogger(ImageCache.class);
  static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");
  static final String TEMP_PREFIX = ".download-";

  /** Entries are Berth's files; one that another Berth wrote may carry fields this one lacks. */
  private static final ObjectReader ENTRY_READER =
      Json.mapper()
          .readerFor(IndexEntry.class)
          .without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  private final Path root;
  private final Clock clock;

  CacheIndex(Path root, Clock clock) {
    this.root = root;
    this.clock = clock;
  }

  boolean isInUse(IndexEntry entry, Set<String> inUse) {
    if (inUse.contains(entry.digest())) {
      return true;
    }
    for (String used : inUse) {
      try {
        Path path = Path.of(used).toAbsolutePath().normalize();
        if (entry.files().stream().anyMatch(file -> root.resolve(file).equals(path))) {
          return true;
        }
      } catch (InvalidPathException e) {
        // not a path, so a digest of another image
      }
    }
    return false;
  }

  IndexEntry touch(IndexEntry entry) {
    IndexEntry used = entry.withLastUsed(clock.instant());
    try {
      writeEntry(used);
    } catch (IOException e) {
      // the image is fine; only its last-used time is stale, which delays its pruning
      LOG.warn("cannot update the last-used time of {}: {}", entry.file(), e.toString());
    }
    return used;
  }

  Optional<IndexEntry> entry(String digest) {
    Path json = root.resolve(digest + ".json");
    try {
      IndexEntry entry = ENTRY_READER.readValue(json.toFile());
      boolean whole =
          entry.files().stream().allMatch(file -> Files.isRegularFile(root.resolve(file)));
      return whole ? Optional.of(entry) : Optional.empty();
    } catch (NoSuchFileException | FileNotFoundException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn("ignoring unreadable cache entry {}: {}", json, e.toString());
      return Optional.empty();
    }
  }

  List<IndexEntry> entries() {
    List<IndexEntry> entries = new ArrayList<>();
    for (Path file : files()) {
      String name = file.getFileName().toString();
      if (name.endsWith(".json")
          && DIGEST.matcher(name.substring(0, name.length() - 5)).matches()) {
        entry(name.substring(0, name.length() - 5)).ifPresent(entries::add);
      }
    }
    return entries;
  }

  List<Path> files() {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(root)) {
      return files;
    }
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(root)) {
      dir.forEach(files::add);
    } catch (IOException e) {
      throw new BerthException(
          "cannot read the image cache " + root + ": " + Fetcher.describe(e),
          "check the permissions of " + root,
          e);
    }
    return files;
  }

  void writeEntry(IndexEntry entry) throws IOException {
    Path json = root.resolve(entry.digest() + ".json");
    Path temp = Files.createTempFile(root, TEMP_PREFIX, ".json.tmp");
    try {
      Json.mapper().writeValue(temp.toFile(), entry);
      Files.move(temp, json, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      deleteQuietly(temp);
    }
  }

  static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", file, e.toString());
    }
  }
}
