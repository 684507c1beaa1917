package dev.berth.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import dev.berth.BerthException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The cache against a local HTTP server serving real compressed images. */
class ImageCacheIT {
  private static final String STREAM = "/streams/testing.json";
  private static final String IMAGE = "/prod/fcos-43-qemu.x86_64.qcow2.xz";
  private static final byte[] DISK = Fixtures.disk(4, 1);
  private static final byte[] DISK_XZ = Fixtures.xz(DISK);

  @TempDir Path dir;
  private Path root;
  private ImageServer server;
  private TestClock clock;
  private ImageCache cache;
  private RecordingListener progress;

  @BeforeEach
  void setUp() throws IOException {
    root = dir.resolve("images");
    server = new ImageServer();
    clock = new TestClock(Instant.parse("2026-11-28T10:00:00Z"));
    cache = newCache(root);
    progress = new RecordingListener();
  }

  @AfterEach
  void tearDown() {
    server.close();
  }

  private ImageCache newCache(Path at) {
    return new ImageCache(at, ImageCache.defaultHttpClient(), clock, Architecture.X86_64);
  }

  /** A cache decoding xz with XZ for Java, or with the xz tool (the test is skipped without it). */
  private ImageCache cacheDecodingXzWith(String decoder, Duration stallLimit) {
    Path tool = null;
    if (decoder.equals("tool")) {
      tool = XzProcess.find().orElse(null);
      assumeThat(tool).as("the xz tool is installed").isNotNull();
    }
    return new ImageCache(
        root, ImageCache::defaultHttpClient, clock, Architecture.X86_64, stallLimit, tool);
  }

  private ImageSource testing() {
    return ImageSource.parse("testing", server.uri("/streams/"));
  }

  /** Serves {@code compressed} at {@link #IMAGE} and a stream naming it with these digests. */
  private void serveStream(String release, byte[] compressed, String sha, String plainSha) {
    server.put(IMAGE, compressed);
    server.put(
        STREAM,
        Fixtures.stream("x86_64", release, server.uri(IMAGE).toString(), sha, plainSha)
            .getBytes(UTF_8));
  }

  private void serveStream(String release, byte[] plain) {
    byte[] xz = Fixtures.xz(plain);
    serveStream(release, xz, Fixtures.sha256(xz), Fixtures.sha256(plain));
  }

  /** The cache directory's file names. */
  private Set<String> files() throws IOException {
    if (!Files.isDirectory(root)) {
      return Set.of();
    }
    try (Stream<Path> list = Files.list(root)) {
      return list.map(p -> p.getFileName().toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** The file names that the cached images account for. */
  private Set<String> expectedFiles() {
    Set<String> names = new TreeSet<>();
    for (CachedImage image : cache.list(Set.of())) {
      names.add(image.digest() + ".json");
      Stream.of(image.path(), image.kernel(), image.initramfs())
          .filter(java.util.Objects::nonNull)
          .forEach(p -> names.add(p.getFileName().toString()));
    }
    return names;
  }

  private CachedImage seedOtherImage() throws IOException {
    byte[] other = Fixtures.disk(1, 99);
    server.put("/other.img", other);
    return cache.pull(new ImageSource.Url(server.uri("/other.img")), progress);
  }

  private static BerthException pullFails(ImageCache cache, ImageSource source) {
    try {
      cache.pull(source, dev.berth.ProgressListener.NONE);
    } catch (BerthException e) {
      return e;
    }
    throw new AssertionError("pull of " + source + " succeeded");
  }

  @ParameterizedTest
  @ValueSource(strings = {"java", "tool"})
  void pull_xzStream_cachesTheVerifiedDecompressedImage(String decoder) throws IOException {
    cache = cacheDecodingXzWith(decoder, ImageCache.STALL_LIMIT);
    serveStream("43.1", DISK);

    CachedImage image = cache.pull(testing(), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(image.digest()).isEqualTo(Fixtures.sha256(DISK_XZ));
    assertThat(image.path()).isEqualTo(root.resolve(image.digest() + ".raw"));
    assertThat(image.format()).isEqualTo("raw");
    assertThat(image.size()).isEqualTo(DISK.length);
    assertThat(image.release()).isEqualTo("43.1");
    assertThat(image.stream()).isEqualTo("testing");
    assertThat(image.architecture()).isEqualTo("x86_64");
    assertThat(image.source()).isEqualTo(server.uri(STREAM).toString());
    assertThat(image.created()).isEqualTo(clock.instant());
    assertThat(files()).isEqualTo(expectedFiles()).hasSize(2);
    RecordingListener.Transfer last = progress.transfers.get(progress.transfers.size() - 1);
    assertThat(last.done()).isEqualTo(last.total()).isEqualTo(DISK_XZ.length);
  }

  @Test
  void pull_qcow2MadeByQemuImg_isRecordedAsQcow2() throws Exception {
    Path qcow2 = dir.resolve("x.qcow2");
    Process p;
    try {
      p =
          new ProcessBuilder("qemu-img", "create", "-q", "-f", "qcow2", qcow2.toString(), "64M")
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      assumeThat(false).as("qemu-img is installed").isTrue();
      return;
    }
    assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).isTrue();
    byte[] plain = Files.readAllBytes(qcow2);
    serveStream("43.2", plain);

    CachedImage image = cache.pull(testing(), progress);

    assertThat(image.format()).isEqualTo("qcow2");
    assertThat(image.path().getFileName().toString()).endsWith(".qcow2");
    assertThat(Files.readAllBytes(image.path())).isEqualTo(plain);
  }

  @ParameterizedTest
  @ValueSource(strings = {"gz", "zst", "raw"})
  void pull_imageUrl_decompressesByMagicBytes(String kind) throws IOException {
    byte[] body =
        switch (kind) {
          case "gz" -> Fixtures.gzip(DISK);
          case "zst" -> Fixtures.zstd(DISK);
          default -> DISK;
        };
    // a misleading name: the first bytes decide
    server.put("/disk.img.xz", body);

    CachedImage image =
        cache.pull(ImageSource.parse(server.uri("/disk.img.xz").toString()), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(image.digest()).isEqualTo(Fixtures.sha256(body));
    assertThat(image.release()).isNull();
    assertThat(files()).isEqualTo(expectedFiles()).hasSize(2);
  }

  @Test
  void pull_berthOsStreamOverHttp_resolvesRelativeLocation() throws IOException {
    server.put("/berth-os/images/disk.qcow2.xz", DISK_XZ);
    server.put(
        "/berth-os/stream.json",
        Fixtures.stream("x86_64", "1.0", "images/disk.qcow2.xz", Fixtures.sha256(DISK_XZ), null)
            .getBytes(UTF_8));

    CachedImage image =
        cache.pull(ImageSource.parse(server.uri("/berth-os/stream.json").toString()), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(server.requestsFor("/berth-os/images/disk.qcow2.xz")).isEqualTo(1);
  }

  /** The berth-os stream that guest/build writes; skipped until it has run in this checkout. */
  @Test
  void pull_berthOsStreamOfTheGuestBuild_cachesItsQcow2Once() throws IOException {
    Path out = Path.of("..", "guest", "out").toAbsolutePath().normalize();
    assumeThat(Files.isRegularFile(out.resolve("stream.json")))
        .as("guest/out/stream.json")
        .isTrue();
    try (Stream<Path> files = Files.list(out)) {
      for (Path file : files.filter(Files::isRegularFile).collect(Collectors.toList())) {
        server.put("/berth-os/" + file.getFileName(), Files.readAllBytes(file));
      }
    }
    ImageSource source = ImageSource.parse(server.uri("/berth-os/stream.json").toString());

    CachedImage image = cache.pull(source, progress);
    cache.pull(source, progress);

    assertThat(image.format()).isEqualTo("qcow2");
    assertThat(image.stream()).isEqualTo("berth-os");
    assertThat(image.release()).isNotBlank();
    assertThat(image.kernel()).isNotNull();
    assertThat(image.initramfs()).isNotNull();
    assertThat(server.requests()).filteredOn(r -> r.path().endsWith(".qcow2.xz")).hasSize(1);
    assertThat(files()).isEqualTo(expectedFiles()).hasSize(4);
  }

  /** Serves a berth-os style stream: relative locations, a kernel and a zstd initramfs. */
  private ImageSource serveBootableStream(byte[] kernel, String kernelSha) {
    byte[] initramfs = Fixtures.zstd(Fixtures.disk(1, 12));
    server
        .put("/os/disk.qcow2.xz", DISK_XZ)
        .put("/os/vmlinuz", kernel)
        .put("/os/initrd.img", initramfs);
    String stream =
        Fixtures.withBootFiles(
            Fixtures.stream("x86_64", "12.1", "disk.qcow2.xz", Fixtures.sha256(DISK_XZ), null),
            "vmlinuz",
            kernelSha,
            "initrd.img",
            Fixtures.sha256(initramfs));
    server.put("/os/stream.json", stream.getBytes(UTF_8));
    return ImageSource.parse(server.uri("/os/stream.json").toString());
  }

  @Test
  void pull_streamWithBootFiles_cachesThemVerbatimBesideTheDisk() throws IOException {
    byte[] kernel = Fixtures.gzip(Fixtures.disk(1, 13));
    ImageSource source = serveBootableStream(kernel, Fixtures.sha256(kernel));

    CachedImage image = cache.pull(source, progress);
    CachedImage again = cache.pull(source, progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(Files.readAllBytes(image.kernel())).isEqualTo(kernel);
    assertThat(Files.readAllBytes(image.initramfs())).isEqualTo(server.body("/os/initrd.img"));
    assertThat(again.kernel()).isEqualTo(image.kernel());
    assertThat(server.requests())
        .extracting(ImageServer.Request::path)
        .containsExactly(
            "/os/stream.json",
            "/os/vmlinuz",
            "/os/initrd.img",
            "/os/disk.qcow2.xz",
            "/os/stream.json");
    assertThat(files()).isEqualTo(expectedFiles()).hasSize(4);

    assertThat(cache.prune(true, Set.of(image.kernel().toString()))).isEmpty();
    assertThat(cache.prune(true, Set.of())).hasSize(1);
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_kernelChecksumMismatch_failsBeforeFetchingTheDisk() throws IOException {
    ImageSource source = serveBootableStream(new byte[] {1, 2, 3}, "2".repeat(64));

    BerthException e = pullFails(cache, source);

    assertThat(e.getMessage())
        .startsWith(
            "checksum mismatch for " + server.uri("/os/vmlinuz") + ": expected sha256 2222");
    assertThat(server.requestsFor("/os/disk.qcow2.xz")).isZero();
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_localStreamFile_readsTheImageBesideIt() throws IOException {
    Path out = Files.createDirectories(dir.resolve("guest/out"));
    Files.write(out.resolve("berth-os.qcow2.xz"), DISK_XZ);
    Path stream =
        Files.writeString(
            out.resolve("stream.json"),
            Fixtures.stream(
                "x86_64",
                "2.0",
                "berth-os.qcow2.xz",
                Fixtures.sha256(DISK_XZ),
                Fixtures.sha256(DISK)));

    CachedImage image = cache.pull(ImageSource.parse(stream.toString()), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(image.release()).isEqualTo("2.0");
    assertThat(files()).isEqualTo(expectedFiles());
  }

  @Test
  void pull_localCompressedFile_decompressesIntoTheCache() throws IOException {
    Path file = Files.write(dir.resolve("mine.qcow2.zst"), Fixtures.zstd(DISK));

    CachedImage image = cache.pull(ImageSource.parse(file.toString()), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(image.source()).isEqualTo(file.toString());
    assertThat(Files.exists(file)).isTrue();
  }

  @Test
  void pull_cachedStreamImage_makesNoImageRequest() {
    serveStream("43.1", DISK);
    CachedImage first = cache.pull(testing(), progress);
    clock.advance(Duration.ofHours(1));

    CachedImage second = newCache(root).pull(testing(), progress);

    assertThat(server.requestsFor(IMAGE)).isEqualTo(1);
    assertThat(server.requestsFor(STREAM)).isEqualTo(2);
    assertThat(second.path()).isEqualTo(first.path());
    assertThat(second.lastUsed()).isEqualTo(clock.instant());
    assertThat(cache.list(Set.of()))
        .singleElement()
        .extracting(CachedImage::lastUsed)
        .isEqualTo(clock.instant());
  }

  @Test
  void pull_sameImageUrlTwice_keepsOneEntry() throws IOException {
    server.put("/d.raw", DISK);
    ImageSource source = ImageSource.parse(server.uri("/d.raw").toString());
    cache.pull(source, progress);
    cache.pull(source, progress);

    assertThat(cache.list(Set.of())).hasSize(1);
    assertThat(files()).isEqualTo(expectedFiles()).hasSize(2);
  }

  @Test
  void pull_sparseImage_leavesHolesOnDisk() throws Exception {
    byte[] plain = Fixtures.disk(16, 3);
    server.put("/sparse.raw", plain);

    CachedImage image =
        cache.pull(ImageSource.parse(server.uri("/sparse.raw").toString()), progress);

    Process stat = new ProcessBuilder("stat", "-c", "%b %B", image.path().toString()).start();
    String[] out = new String(stat.getInputStream().readAllBytes(), UTF_8).trim().split(" ");
    long allocated = Long.parseLong(out[0]) * Long.parseLong(out[1]);
    assertThat(Files.size(image.path())).isEqualTo(plain.length);
    // half of the fixture is zeros, the trailing quarter included
    assertThat(allocated).isLessThan(plain.length * 6L / 10);
  }

  @Test
  void pull_image404_failsAndLeavesTheCacheAsItWas() throws IOException {
    CachedImage other = seedOtherImage();
    serveStream("43.1", DISK);
    server.fail(IMAGE, 404);

    BerthException e = pullFails(cache, testing());

    assertThat(e).hasMessage(server.uri(IMAGE) + " was not found (HTTP 404)");
    assertThat(e.hint()).isPresent();
    assertThat(cache.list(Set.of())).containsExactly(other);
    assertThat(files()).isEqualTo(expectedFiles());
  }

  @Test
  void pull_metadata503WithoutCache_failsNamingTheStatus() throws IOException {
    server.fail(STREAM, 503);

    BerthException e = pullFails(cache, testing());

    assertThat(e).hasMessage(server.uri(STREAM) + " answered HTTP 503 instead of the image");
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_connectionRefused_failsNamingTheHost() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    URI base = URI.create("http://127.0.0.1:" + port + "/streams/");

    BerthException e = pullFails(cache, ImageSource.parse("stable", base));

    assertThat(e.getMessage())
        .startsWith("cannot connect to 127.0.0.1:" + port + " to fetch " + base + "stable.json")
        .containsIgnoringCase("refused");
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_checksumMismatch_failsAndKeepsNothing() throws IOException {
    CachedImage other = seedOtherImage();
    serveStream("43.1", DISK_XZ, "0".repeat(64), null);

    BerthException e = pullFails(cache, testing());

    assertThat(e.getMessage())
        .isEqualTo(
            "checksum mismatch for "
                + server.uri(IMAGE)
                + ": expected sha256 "
                + "0".repeat(64)
                + ", got "
                + Fixtures.sha256(DISK_XZ));
    assertThat(cache.list(Set.of())).containsExactly(other);
    assertThat(files()).isEqualTo(expectedFiles());
  }

  @Test
  void pull_uncompressedChecksumMismatch_failsAndKeepsNothing() throws IOException {
    serveStream("43.1", DISK_XZ, Fixtures.sha256(DISK_XZ), "1".repeat(64));

    BerthException e = pullFails(cache, testing());

    assertThat(e.getMessage()).startsWith("checksum mismatch for the decompressed image of ");
    assertThat(files()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"java", "tool"})
  void pull_afterConnectionCutMidBody_keepsPartAndResumesWithRange(String decoder)
      throws IOException {
    cache = cacheDecodingXzWith(decoder, ImageCache.STALL_LIMIT);
    serveStream("43.1", DISK);
    byte[] xz = Fixtures.xz(DISK);
    int half = xz.length / 2;
    server.cutOnce(IMAGE, half);

    BerthException cut = pullFails(cache, testing());

    assertThat(cut).isInstanceOf(Download.CutOff.class);
    assertThat(cut.hint()).hasValue("run the command again to resume the download");
    assertThat(files()).containsExactly(Fixtures.sha256(xz) + ".part");
    // the JDK client may drop bytes it had not handed over yet when the connection closes
    long kept = Files.size(root.resolve(Fixtures.sha256(xz) + ".part"));
    assertThat(kept).isPositive().isLessThanOrEqualTo(half);
    assertThat(cut.getMessage())
        .contains("broke off after " + kept + " of " + xz.length + " bytes");

    CachedImage image = cache.pull(testing(), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(server.requests())
        .filteredOn(r -> r.path().equals(IMAGE))
        .extracting(ImageServer.Request::range, ImageServer.Request::status)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(null, 200),
            org.assertj.core.groups.Tuple.tuple("bytes=" + kept + "-", 206));
    assertThat(progress.steps).anyMatch(s -> s.contains("Resuming"));
    assertThat(files()).isEqualTo(expectedFiles()).hasSize(2);
  }

  @ParameterizedTest
  @ValueSource(strings = {"java", "tool"})
  void pull_serverStallsMidBody_cutsOffAndResumes(String decoder) throws IOException {
    serveStream("43.1", DISK);
    server.stallOnce(IMAGE, 10_000);
    ImageCache impatient = cacheDecodingXzWith(decoder, Duration.ofSeconds(2));

    BerthException stalled = pullFails(impatient, testing());

    assertThat(stalled).isInstanceOf(Download.CutOff.class);
    assertThat(stalled.getMessage())
        .endsWith("broke off after 10000 of " + DISK_XZ.length + " bytes: no data came for 2 s");

    CachedImage image = impatient.pull(testing(), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(server.requests().get(server.requests().size() - 1).range())
        .isEqualTo("bytes=10000-");
  }

  @Test
  void pull_chunkedBody_reportsProgressWithoutTotalAndCaches() throws IOException {
    server.put("/chunked.raw", DISK).chunked(true);

    CachedImage image =
        cache.pull(ImageSource.parse(server.uri("/chunked.raw").toString()), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(progress.transfers).isNotEmpty();
    assertThat(progress.transfers.get(0).total()).isEqualTo(-1);
    RecordingListener.Transfer last = progress.transfers.get(progress.transfers.size() - 1);
    assertThat(last.done()).isEqualTo(last.total()).isEqualTo(DISK.length);
  }

  @Test
  void pull_chunkedBodyCutOff_keepsPartForTheResume() throws IOException {
    serveStream("43.1", DISK);
    server.chunked(true).cutOnce(IMAGE, 100_000);

    BerthException cut = pullFails(cache, testing());

    assertThat(cut).isInstanceOf(Download.CutOff.class);
    server.chunked(false);
    CachedImage image = cache.pull(testing(), progress);
    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(server.requests().get(server.requests().size() - 1).status()).isEqualTo(206);
  }

  @Test
  void pull_serverDownAfterACut_keepsThePartForLater() throws IOException {
    serveStream("43.1", DISK);
    server.cutOnce(IMAGE, 20_000);
    pullFails(cache, testing());
    server.fail(IMAGE, 503);

    BerthException down = pullFails(cache, testing());

    assertThat(down).hasMessage(server.uri(IMAGE) + " answered HTTP 503 instead of the image");
    assertThat(files()).containsExactly(Fixtures.sha256(DISK_XZ) + ".part");
    server.recover(IMAGE);
    assertThat(Files.readAllBytes(cache.pull(testing(), progress).path())).isEqualTo(DISK);
    assertThat(server.requests().get(server.requests().size() - 1).status()).isEqualTo(206);
  }

  @Test
  void pull_resumeWhenServerIgnoresRange_startsOver() throws IOException {
    serveStream("43.1", DISK);
    server.cutOnce(IMAGE, 1000);
    pullFails(cache, testing());
    server.honourRanges(false);

    CachedImage image = cache.pull(testing(), progress);

    assertThat(Files.readAllBytes(image.path())).isEqualTo(DISK);
    assertThat(server.requests().get(server.requests().size() - 1).status()).isEqualTo(200);
    assertThat(files()).isEqualTo(expectedFiles());
  }

  @Test
  void pull_truncatedImageUrl_failsAndKeepsNothing() throws IOException {
    server.put("/d.xz", DISK_XZ).cutOnce("/d.xz", 5000);

    BerthException e = pullFails(cache, ImageSource.parse(server.uri("/d.xz").toString()));

    assertThat(e).isNotInstanceOf(Download.CutOff.class);
    assertThat(e.getMessage()).contains("broke off after 5000 of " + DISK_XZ.length + " bytes");
    assertThat(files()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"<html>captive portal</html>", "{\"architectures\": {}}", "{}"})
  void pull_invalidOrUnexpectedStreamJson_fails(String json) throws IOException {
    server.put(STREAM, json.getBytes(UTF_8));

    BerthException e = pullFails(cache, testing());

    assertThat(e.getMessage()).startsWith("stream metadata " + server.uri(STREAM));
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_streamWithoutThisArchitecture_fails() throws IOException {
    server.put(
        STREAM, Fixtures.stream("aarch64", "1", "x.xz", "a".repeat(64), null).getBytes(UTF_8));

    BerthException e = pullFails(cache, testing());

    assertThat(e).hasMessage("stream metadata " + server.uri(STREAM) + " has no image for x86_64");
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_bzip2Image_failsAsUnknownCompression() throws IOException {
    server.put("/d.bz2", Fixtures.bzip2(new byte[] {1, 2, 3}));

    BerthException e = pullFails(cache, ImageSource.parse(server.uri("/d.bz2").toString()));

    assertThat(e)
        .hasMessage(
            "image " + server.uri("/d.bz2") + " is compressed with bzip2, which berth cannot read");
    assertThat(files()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"java", "tool"})
  void pull_corruptXzWithMatchingDigest_failsAsCorrupt(String decoder) throws IOException {
    cache = cacheDecodingXzWith(decoder, ImageCache.STALL_LIMIT);
    byte[] corrupt = DISK_XZ.clone();
    for (int i = corrupt.length / 2; i < corrupt.length / 2 + 64; i++) {
      corrupt[i] ^= 0x55;
    }
    serveStream("43.1", corrupt, Fixtures.sha256(corrupt), null);

    BerthException e = pullFails(cache, testing());

    assertThat(e.getMessage())
        .startsWith("the xz data of image " + server.uri(IMAGE) + " is corrupt");
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_emptyImage_fails() throws IOException {
    server.put("/empty.img", new byte[0]);

    BerthException e = pullFails(cache, ImageSource.parse(server.uri("/empty.img").toString()));

    assertThat(e).hasMessage("image " + server.uri("/empty.img") + " is empty");
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_streamFileNamingAMissingImage_failsNamingTheFile() throws IOException {
    Path stream =
        Files.writeString(
            dir.resolve("stream.json"),
            Fixtures.stream("x86_64", "1", "gone.xz", "a".repeat(64), null));

    BerthException e = pullFails(cache, ImageSource.parse(stream.toString()));

    assertThat(e).hasMessage("image file " + dir.resolve("gone.xz") + " does not exist");
    assertThat(files()).isEmpty();
  }

  @Test
  void pull_diskFull_failsAndKeepsWhatWasCached() throws Exception {
    Path small = Files.createDirectories(dir.resolve("small"));
    assumeThat(run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", small.toString()))
        .as("mounting a tmpfs (needs root)")
        .isZero();
    try {
      root = small.resolve("images");
      cache = newCache(root);
      byte[] tiny = Fixtures.disk(1, 5);
      server.put("/tiny.img", Fixtures.xz(java.util.Arrays.copyOf(tiny, 64 << 10)));
      CachedImage kept =
          cache.pull(ImageSource.parse(server.uri("/tiny.img").toString()), progress);
      serveStream("43.1", DISK);

      BerthException e = pullFails(cache, testing());

      assertThat(e.getMessage()).startsWith("not enough free space in " + root + " for image ");
      assertThat(e.hint()).hasValueSatisfying(h -> assertThat(h).contains("berth image prune"));
      assertThat(cache.list(Set.of())).containsExactly(kept);
      assertThat(files()).isEqualTo(expectedFiles());
    } finally {
      run("umount", small.toString());
    }
  }

  private static int run(String... argv) throws Exception {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    return p.waitFor();
  }

  @Test
  void pull_metadataUnreachableWithCachedImage_usesItWithAWarning() {
    serveStream("43.1", DISK);
    CachedImage cached = cache.pull(testing(), progress);
    ImageSource source = testing();
    server.close();
    progress = new RecordingListener(); // the first pull warned of plain http

    CachedImage image = newCache(root).pull(source, progress);

    assertThat(image.path()).isEqualTo(cached.path());
    assertThat(progress.warnings)
        .singleElement()
        .satisfies(
            w ->
                assertThat(w)
                    .startsWith("cannot fetch the stream metadata (cannot connect to")
                    .contains("using the cached image testing 43.1"));
  }

  @Test
  void pull_metadata500WithTwoCachedReleases_usesTheNewest() {
    serveStream("43.1", DISK);
    cache.pull(testing(), progress);
    clock.advance(Duration.ofDays(1));
    serveStream("43.2", Fixtures.disk(2, 8));
    CachedImage newer = cache.pull(testing(), progress);
    server.fail(STREAM, 500);
    progress = new RecordingListener(); // the pulls before warned of plain http

    CachedImage image = cache.pull(testing(), progress);

    assertThat(image.release()).isEqualTo("43.2");
    assertThat(image.path()).isEqualTo(newer.path());
    assertThat(progress.warnings).hasSize(1);
  }

  @Test
  void prune_all_removesEveryImageButThoseInUse() {
    serveStream("43.1", DISK);
    CachedImage old = cache.pull(testing(), progress);
    clock.advance(Duration.ofDays(1));
    serveStream("43.2", Fixtures.disk(2, 8));
    CachedImage used = cache.pull(testing(), progress);

    List<CachedImage> removed = cache.prune(true, Set.of(used.path().toString()));

    assertThat(removed).extracting(CachedImage::digest).containsExactly(old.digest());
    assertThat(cache.list(Set.of(used.digest())))
        .singleElement()
        .satisfies(i -> assertThat(i.inUse()).isTrue());
    assertThat(Files.exists(old.path())).isFalse();
  }

  @Test
  void prune_notAll_removesOnlySupersededUnusedImages() {
    serveStream("43.1", DISK);
    CachedImage oldest = cache.pull(testing(), progress);
    clock.advance(Duration.ofDays(1));
    serveStream("43.2", Fixtures.disk(2, 8));
    CachedImage middle = cache.pull(testing(), progress);
    clock.advance(Duration.ofDays(1));
    serveStream("43.3", Fixtures.disk(2, 9));
    CachedImage newest = cache.pull(testing(), progress);
    server.put("/x.raw", Fixtures.disk(1, 10));
    CachedImage byUrl = cache.pull(ImageSource.parse(server.uri("/x.raw").toString()), progress);

    List<CachedImage> removed = cache.prune(false, Set.of(oldest.digest()));

    assertThat(removed).extracting(CachedImage::release).containsExactly("43.2");
    assertThat(cache.list(Set.of()))
        .extracting(CachedImage::digest)
        .containsExactlyInAnyOrder(oldest.digest(), newest.digest(), byUrl.digest());
    assertThat(Files.exists(middle.path())).isFalse();
  }

  @Test
  void pruneOlderThan_removesUnusedImagesNotUsedForThatLong() throws IOException {
    serveStream("43.1", DISK);
    CachedImage stale = cache.pull(testing(), progress);
    server.put("/x.raw", Fixtures.disk(1, 10));
    CachedImage used = cache.pull(ImageSource.parse(server.uri("/x.raw").toString()), progress);
    server.put("/y.raw", Fixtures.disk(1, 11));
    clock.advance(Duration.ofDays(10));
    CachedImage recent = cache.pull(ImageSource.parse(server.uri("/y.raw").toString()), progress);
    clock.advance(Duration.ofDays(5));

    List<CachedImage> removed =
        cache.pruneOlderThan(ImageCache.AUTO_PRUNE_AGE, Set.of(used.path().toString()));

    assertThat(removed).extracting(CachedImage::digest).containsExactly(stale.digest());
    assertThat(cache.list(Set.of()))
        .extracting(CachedImage::digest)
        .containsExactlyInAnyOrder(used.digest(), recent.digest());
    assertThat(files()).isEqualTo(expectedFiles());
  }

  @Test
  void prune_oldPartFile_isRemovedAndAFreshOneKept() throws IOException {
    Files.createDirectories(root);
    Path oldPart = Files.write(root.resolve("a".repeat(64) + ".part"), new byte[] {1});
    Path freshPart = Files.write(root.resolve("b".repeat(64) + ".part"), new byte[] {1});
    Files.setLastModifiedTime(
        oldPart, java.nio.file.attribute.FileTime.from(clock.instant().minus(Duration.ofDays(2))));
    Files.setLastModifiedTime(freshPart, java.nio.file.attribute.FileTime.from(clock.instant()));

    cache.prune(false, Set.of());

    assertThat(files()).containsExactly(freshPart.getFileName().toString());
  }

  @Test
  void pruneOlderThan_leftoverOfAKilledPull_isRemovedAfterADay() throws IOException {
    Files.createDirectories(root);
    Path temp = Files.write(root.resolve(".download-123.tmp"), new byte[] {1});
    Files.setLastModifiedTime(
        temp, java.nio.file.attribute.FileTime.from(clock.instant().minus(Duration.ofDays(2))));

    cache.pruneOlderThan(ImageCache.AUTO_PRUNE_AGE, Set.of());

    assertThat(files()).isEmpty();
  }

  @Test
  void list_emptyOrMissingCache_isEmpty() {
    assertThat(cache.list(Set.of())).isEmpty();
    assertThat(cache.prune(true, Set.of())).isEmpty();
  }

  @Test
  void list_ignoresAnUnreadableIndexEntry() throws IOException {
    server.put("/x.raw", Fixtures.disk(1, 10));
    CachedImage good = cache.pull(ImageSource.parse(server.uri("/x.raw").toString()), progress);
    Files.writeString(root.resolve("c".repeat(64) + ".json"), "{not json");

    assertThat(cache.list(Set.of())).containsExactly(good);
  }

  @Test
  void pull_progress_reportsBytesUpToTheTotal() {
    server.put("/big.raw", Fixtures.disk(12, 4));

    cache.pull(ImageSource.parse(server.uri("/big.raw").toString()), progress);

    List<Long> done = new ArrayList<>();
    progress.transfers.forEach(t -> done.add(t.done()));
    assertThat(done).isSorted().hasSizeGreaterThan(2);
    assertThat(progress.transfers).allSatisfy(t -> assertThat(t.total()).isPositive());
  }
}
