package dev.berth.image;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image cache: resolves an {@link ImageSource}, fetches the image once, proves it intact and
 * keeps it decompressed under a root directory (e.g. {@code <data>/berth/images/}).
 *
 * <p>Layout: the files of an image are named by the SHA-256 of the image as fetched:
 *
 * <pre>
 *   &lt;digest&gt;.qcow2 | .raw     the decompressed image, sparse
 *   &lt;digest&gt;.kernel          the boot files of an image that brings them (berth-os)
 *   &lt;digest&gt;.initramfs
 *   &lt;digest&gt;.json            what {@link #list} shows: source, stream, release, size, dates
 *   &lt;digest&gt;.part            compressed bytes of a download the network cut off
 *   .download-*.tmp           an image being written
 * </pre>
 *
 * <p>An image appears only by an atomic rename after its digests matched, so a file named by a
 * digest is always complete. A {@code .part} is kept only when the network broke a download whose
 * digest the stream metadata gave (or the server failed the request that was to resume it): the
 * next pull resumes it with an HTTP range request, and {@link #prune} or {@link #pruneOlderThan}
 * removes it once it is a day old. Every other failure (checksum mismatch, corrupt data, a full
 * disk) removes what the pull wrote, and never touches the images already cached.
 *
 * <p>Usage, as {@code berth init --image X} and {@code berth image list/prune} do ({@code inUse}
 * holds the image digests or paths that the machines record):
 *
 * <pre>{@code
 * ImageCache cache = new ImageCache(dataDir.resolve("images"));
 * CachedImage image = cache.pull(ImageSource.parse(imageOption), listener);
 * // the machine records image.digest(), image.path() (qcow2 backing file, format image.format()),
 * // image.release() as its image version, and image.kernel()/initramfs() when not null
 * cache.pruneOlderThan(ImageCache.AUTO_PRUNE_AGE, inUse);
 *
 * List<CachedImage> rows = cache.list(inUse);              // berth image list
 * List<CachedImage> removed = cache.prune(all, inUse);     // berth image prune [--all]
 * }</pre>
 */
public final class ImageCache {
  /** How long an unused image stays after its last use before {@code init} prunes it. */
  public static final Duration AUTO_PRUNE_AGE = Duration.ofDays(14);

  /** How old leftovers of failed pulls must be before {@link #prune} removes them. */
  static final Duration LEFTOVER_AGE = Duration.ofDays(1);

  /** How long an image body may deliver nothing before the download counts as cut off. */
  static final Duration STALL_LIMIT = Duration.ofSeconds(60);

  private static final Logger LOG = LoggerFactory.getLogger(ImageCache.class);
  private static final Pattern DIGEST = Pattern.compile("[0-9a-f]{64}");
  private static final String TEMP_PREFIX = ".download-";
  private static final ObjectMapper JSON =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private final Path root;
  private final Fetcher fetcher;
  private final Clock clock;
  private final Architecture arch;
  private final Duration stallLimit;
  private final Path xzTool;

  /** A cache for this JVM's architecture, fetching with a default HTTP client. */
  public ImageCache(Path root) {
    this(root, Architecture.host());
  }

  /**
   * A cache for images of {@code arch} (the processor's, which a JVM translated by Rosetta does not
   * report), fetching with a default HTTP client.
   */
  public ImageCache(Path root, Architecture arch) {
    this(
        root,
        ImageCache::defaultHttpClient,
        Clock.systemUTC(),
        arch,
        STALL_LIMIT,
        XzProcess.find().orElse(null));
  }

  /**
   * A cache with its collaborators given.
   *
   * @param root the cache directory; created on the first pull
   * @param http the client for stream metadata and images
   * @param clock for the created and last-used times and for pruning by age
   * @param arch which architecture's image to pick from stream metadata
   */
  public ImageCache(Path root, HttpClient http, Clock clock, Architecture arch) {
    this(root, () -> http, clock, arch, STALL_LIMIT, XzProcess.find().orElse(null));
  }

  /**
   * @param http makes the client for stream metadata and images, on the first http(s) fetch
   * @param stallLimit how long an image body may deliver nothing before the download is cut off
   * @param xzTool the {@code xz} executable, or null to decompress xz with XZ for Java
   */
  ImageCache(
      Path root,
      Supplier<HttpClient> http,
      Clock clock,
      Architecture arch,
      Duration stallLimit,
      Path xzTool) {
    this.root = root.toAbsolutePath().normalize();
    this.fetcher = new Fetcher(http);
    this.clock = clock;
    this.arch = arch;
    this.stallLimit = stallLimit;
    this.xzTool = xzTool;
  }

  /** An HTTP/1.1 client following redirects, as the image servers need. */
  public static HttpClient defaultHttpClient() {
    return HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  /** The cache directory. */
  public Path root() {
    return root;
  }

  /**
   * Returns the image for {@code source}, fetching it when the cache does not hold it yet.
   *
   * <p>For a stream, the metadata is fetched every time (it names the newest image); when that
   * fails and an image of the same stream is cached, that image is returned with a warning. Image
   * URLs and local files carry no digest beforehand, so they are read every time, and stored only
   * when their digest is new.
   *
   * <p>Progress comes as {@link MachineEvent.Transfer} events in bytes as fetched; while the {@code
   * xz} tool decompresses, they come from a feeder thread, one at a time.
   *
   * @throws BerthException when the image cannot be resolved, fetched, verified or stored; the
   *     cache then holds what it held before
   */
  public CachedImage pull(ImageSource source, ProgressListener progress) {
    return pull(source, arch, progress);
  }

  /**
   * As {@link #pull(ImageSource, ProgressListener)}, for a machine of {@code machineArch}: the
   * stream's image of that architecture rather than the cache's own.
   */
  public CachedImage pull(ImageSource source, Architecture machineArch, ProgressListener progress) {
    ImageArtifact artifact;
    if (source instanceof ImageSource.Stream stream) {
      progress.accept(new MachineEvent.Step("Looking up the newest image of " + source.describe()));
      byte[] metadata;
      try {
        metadata = fetcher.readAll(stream.metadata());
      } catch (BerthException e) {
        return cachedFromStream(stream, machineArch, e, progress);
      }
      artifact = StreamMetadata.parse(metadata, stream.metadata(), stream.name(), machineArch);
    } else if (source instanceof ImageSource.Url url) {
      artifact = new ImageArtifact(url.uri(), null, null, null, null, url.uri().toString());
    } else {
      Path file = ((ImageSource.LocalFile) source).path();
      DiskImageFiles.requireDiskImage(file);
      artifact = new ImageArtifact(file.toUri(), null, null, null, null, file.toString());
    }
    if (artifact.sha256() != null) {
      Optional<IndexEntry> cached = entry(artifact.sha256()).filter(e -> complete(e, artifact));
      if (cached.isPresent()) {
        progress.accept(new MachineEvent.Step("Using cached image " + describe(cached.get())));
        return touch(cached.get()).toImage(root, false);
      }
    }
    return fetch(artifact, machineArch, progress);
  }

  private CachedImage fetch(
      ImageArtifact artifact, Architecture machineArch, ProgressListener progress) {
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
      Optional<IndexEntry> existing = entry(result.sha256()).filter(e -> complete(e, artifact));
      if (existing.isPresent()) {
        return touch(existing.get()).toImage(root, false);
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
              artifact.stream() == null ? null : machineArch.streamName(),
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
      temps.forEach(ImageCache::deleteQuietly);
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
      Path temp = Files.createTempFile(root, TEMP_PREFIX, ".tmp");
      temps.add(temp);
      return temp;
    } catch (IOException e) {
      throw Download.cacheError(root, artifact, e);
    }
  }

  /** Whether a cached entry has every file the artifact brings (boot files included). */
  private static boolean complete(IndexEntry entry, ImageArtifact artifact) {
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
      writeEntry(entry);
    } catch (IOException e) {
      placed.forEach(ImageCache::deleteQuietly);
      throw Download.cacheError(root, artifact, e);
    }
  }

  private CachedImage cachedFromStream(
      ImageSource.Stream stream,
      Architecture machineArch,
      BerthException error,
      ProgressListener progress) {
    String source = stream.metadata().toString();
    Optional<IndexEntry> newest =
        entries().stream()
            .filter(
                e -> source.equals(e.source()) && machineArch.streamName().equals(e.architecture()))
            .max(Comparator.comparing(IndexEntry::created));
    if (newest.isEmpty()) {
      throw error;
    }
    progress.accept(
        new MachineEvent.Warning(
            "cannot fetch the stream metadata ("
                + error.getMessage()
                + "); using the cached image "
                + describe(newest.get())
                + ", which may not be the newest"));
    return touch(newest.get()).toImage(root, false);
  }

  /**
   * The cached images, oldest first.
   *
   * @param inUse digests or paths of the images that machines use; marks {@link
   *     CachedImage#inUse()}
   */
  public List<CachedImage> list(Set<String> inUse) {
    List<CachedImage> images = new ArrayList<>();
    for (IndexEntry entry : entries()) {
      images.add(entry.toImage(root, isInUse(entry, inUse)));
    }
    images.sort(Comparator.comparing(CachedImage::created));
    return images;
  }

  /**
   * Removes images no machine uses, and leftovers of failed pulls older than a day.
   *
   * @param all every unused image; without it only those superseded by a newer image of the same
   *     stream (or source) and architecture
   * @param inUse digests or paths of the images that machines use: these are never removed
   * @return the images removed
   */
  public List<CachedImage> prune(boolean all, Set<String> inUse) {
    List<IndexEntry> entries = entries();
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
      if ((all || superseded) && !isInUse(entry, inUse)) {
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
  public List<CachedImage> pruneOlderThan(Duration age, Set<String> inUse) {
    Instant cutoff = clock.instant().minus(age);
    List<IndexEntry> doomed = new ArrayList<>();
    for (IndexEntry entry : entries()) {
      if (entry.lastUsed().isBefore(cutoff) && !isInUse(entry, inUse)) {
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
    for (Path file : files()) {
      String name = file.getFileName().toString();
      String stem = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
      boolean leftover =
          name.startsWith(TEMP_PREFIX)
              || name.endsWith(".part")
              || (DIGEST.matcher(stem).matches()
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

  private boolean isInUse(IndexEntry entry, Set<String> inUse) {
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

  private IndexEntry touch(IndexEntry entry) {
    IndexEntry used = entry.withLastUsed(clock.instant());
    try {
      writeEntry(used);
    } catch (IOException e) {
      // the image is fine; only its last-used time is stale, which delays its pruning
      LOG.warn("cannot update the last-used time of {}: {}", entry.file(), e.toString());
    }
    return used;
  }

  private Optional<IndexEntry> entry(String digest) {
    Path json = root.resolve(digest + ".json");
    try {
      IndexEntry entry = JSON.readValue(json.toFile(), IndexEntry.class);
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

  private List<IndexEntry> entries() {
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

  private List<Path> files() {
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

  private void writeEntry(IndexEntry entry) throws IOException {
    Path json = root.resolve(entry.digest() + ".json");
    Path temp = Files.createTempFile(root, TEMP_PREFIX, ".json.tmp");
    try {
      JSON.writeValue(temp.toFile(), entry);
      Files.move(temp, json, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      deleteQuietly(temp);
    }
  }

  private static String describe(IndexEntry entry) {
    if (entry.release() != null) {
      return entry.stream() + " " + entry.release();
    }
    return entry.source();
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot remove {}: {}", file, e.toString());
    }
  }
}
