package dev.berth.image;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

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
 *
 * <p>The index ({@link CacheIndex}), fetching into the cache ({@link CacheFetch}) and pruning
 * ({@link CachePruning}) are each their own class; this one resolves sources and answers.
 */
public final class ImageCache {
  /** How long an unused image stays after its last use before {@code init} prunes it. */
  public static final Duration AUTO_PRUNE_AGE = Duration.ofDays(14);

  /** How old leftovers of failed pulls must be before {@link #prune} removes them. */
  static final Duration LEFTOVER_AGE = Duration.ofDays(1);

  /** How long an image body may deliver nothing before the download counts as cut off. */
  static final Duration STALL_LIMIT = Duration.ofSeconds(60);

  private final Path root;
  private final Fetcher fetcher;
  private final Architecture arch;
  private final CacheIndex index;
  private final CacheFetch fetch;
  private final CachePruning pruning;

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
    this.arch = arch;
    this.index = new CacheIndex(this.root, clock);
    this.fetch = new CacheFetch(this.root, http, clock, stallLimit, xzTool, index);
    this.fetcher = fetch.fetcher();
    this.pruning = new CachePruning(this.root, clock, index);
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
      Optional<IndexEntry> cached =
          index.entry(artifact.sha256()).filter(e -> CacheFetch.complete(e, artifact));
      if (cached.isPresent()) {
        progress.accept(new MachineEvent.Step("Using cached image " + describe(cached.get())));
        return index.touch(cached.get()).toImage(root, false);
      }
    }
    return fetch.fetch(artifact, machineArch, progress);
  }

  private CachedImage cachedFromStream(
      ImageSource.Stream stream,
      Architecture machineArch,
      BerthException error,
      ProgressListener progress) {
    String source = stream.metadata().toString();
    Optional<IndexEntry> newest =
        index.entries().stream()
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
    return index.touch(newest.get()).toImage(root, false);
  }

  /**
   * The cached images, oldest first.
   *
   * @param inUse digests or paths of the images that machines use; marks {@link
   *     CachedImage#inUse()}
   */
  public List<CachedImage> list(Set<String> inUse) {
    List<CachedImage> images = new ArrayList<>();
    for (IndexEntry entry : index.entries()) {
      images.add(entry.toImage(root, index.isInUse(entry, inUse)));
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
    return pruning.prune(all, inUse);
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
    return pruning.pruneOlderThan(age, inUse);
  }

  private static String describe(IndexEntry entry) {
    if (entry.release() != null) {
      return entry.stream() + " " + entry.release();
    }
    return entry.source();
  }
}
