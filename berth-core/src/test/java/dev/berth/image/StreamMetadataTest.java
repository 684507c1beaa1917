package dev.berth.image;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StreamMetadataTest {
  private static final String SHA = "a".repeat(64);
  private static final String PLAIN_SHA = "b".repeat(64);
  private static final URI FCOS = URI.create("https://builds.example.org/streams/testing.json");

  private static byte[] stream(String arch, String location) {
    return Fixtures.stream(arch, "43.20261120.2.0", location, SHA, PLAIN_SHA).getBytes(UTF_8);
  }

  @Test
  void parse_absoluteLocation_keepsItAndRecordsReleaseAndStream() {
    String location = "https://builds.example.org/prod/fcos-43-qemu.x86_64.qcow2.xz";
    ImageArtifact artifact =
        StreamMetadata.parse(stream("x86_64", location), FCOS, "testing", Architecture.X86_64);
    assertThat(artifact)
        .isEqualTo(
            new ImageArtifact(
                URI.create(location),
                SHA,
                PLAIN_SHA,
                "testing",
                "43.20261120.2.0",
                FCOS.toString()));
    assertThat(artifact.fileName()).isEqualTo("fcos-43-qemu.x86_64.qcow2.xz");
  }

  @Test
  void parse_remoteStreamNamingAFileOfThisHost_refused() {
    for (String location :
        new String[] {"file:///etc/shadow", "FILE:/home/u/.ssh/id_ed25519", "ftp://x/d.xz"}) {
      assertThatThrownBy(
              () ->
                  StreamMetadata.parse(
                      stream("x86_64", location), FCOS, "testing", Architecture.X86_64))
          .as(location)
          .isInstanceOf(BerthException.class)
          .hasMessageContaining("only http and https");
    }
  }

  @Test
  void parse_localStream_mayNameLocalFilesAndUrls() {
    URI local = URI.create("file:///srv/os/stream.json");
    for (String location :
        new String[] {"file:///srv/os/disk.qcow2.xz", "disk.qcow2.xz", "https://x/d.xz"}) {
      assertThat(
              StreamMetadata.parse(stream("x86_64", location), local, null, Architecture.X86_64)
                  .location())
          .as(location)
          .isEqualTo(local.resolve(location));
    }
    assertThatThrownBy(
            () ->
                StreamMetadata.parse(
                    stream("x86_64", "ftp://x/d.xz"), local, null, Architecture.X86_64))
        .hasMessageContaining("only http, https and file");
  }

  @Test
  void parse_relativeLocation_resolvesAgainstTheStreamUrl() {
    URI uri = URI.create("http://127.0.0.1:8080/berth-os/stream.json");
    ImageArtifact artifact =
        StreamMetadata.parse(
            stream("aarch64", "images/berth os.qcow2.xz"), uri, null, Architecture.AARCH64);
    assertThat(artifact.location())
        .isEqualTo(URI.create("http://127.0.0.1:8080/berth-os/images/berth%20os.qcow2.xz"));
  }

  @Test
  void parse_relativeLocationOfAFile_resolvesAgainstItsDirectory() {
    URI uri = URI.create("file:///srv/guest/out/stream.json");
    ImageArtifact artifact =
        StreamMetadata.parse(stream("x86_64", "disk.qcow2.xz"), uri, null, Architecture.X86_64);
    assertThat(artifact.location()).isEqualTo(URI.create("file:///srv/guest/out/disk.qcow2.xz"));
  }

  @Test
  void parse_bootFiles_resolvesThemBesideTheDisk() {
    URI uri = URI.create("http://127.0.0.1:8080/berth-os/stream.json");
    String json =
        Fixtures.withBootFiles(
            new String(stream("x86_64", "disk.qcow2.xz"), UTF_8),
            "vmlinuz",
            SHA,
            "initrd.img",
            PLAIN_SHA);

    ImageArtifact artifact =
        StreamMetadata.parse(json.getBytes(UTF_8), uri, null, Architecture.X86_64);

    assertThat(artifact.kernel().location())
        .isEqualTo(URI.create("http://127.0.0.1:8080/berth-os/vmlinuz"));
    assertThat(artifact.kernel().sha256()).isEqualTo(SHA);
    assertThat(artifact.initramfs().location())
        .isEqualTo(URI.create("http://127.0.0.1:8080/berth-os/initrd.img"));
    assertThat(artifact.initramfs().sha256()).isEqualTo(PLAIN_SHA);
    assertThat(artifact.initramfs().release()).isEqualTo(artifact.release());
  }

  @Test
  void parse_withoutBootFiles_leavesThemNull() {
    ImageArtifact artifact =
        StreamMetadata.parse(stream("x86_64", "d.xz"), FCOS, null, Architecture.X86_64);
    assertThat(artifact.kernel()).isNull();
    assertThat(artifact.initramfs()).isNull();
  }

  @Test
  void parse_kernelWithoutDigest_throwsNamingTheField() {
    String json =
        Fixtures.withBootFiles(
            new String(stream("x86_64", "d.xz"), UTF_8), "vmlinuz", "nope", "initrd", SHA);
    assertThatThrownBy(
            () -> StreamMetadata.parse(json.getBytes(UTF_8), FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining(".formats[\"qcow2.xz\"].kernel.sha256 that is not a SHA-256 digest");
  }

  @Test
  void parse_withoutGivenName_takesTheStreamField() {
    ImageArtifact artifact =
        StreamMetadata.parse(stream("x86_64", "d.xz"), FCOS, null, Architecture.X86_64);
    assertThat(artifact.stream()).isEqualTo("testing");
  }

  @Test
  void parse_withoutStreamField_takesTheFileName() {
    String json = new String(stream("x86_64", "d.xz"), UTF_8).replace("\"stream\"", "\"other\"");
    ImageArtifact artifact =
        StreamMetadata.parse(
            json.getBytes(UTF_8), URI.create("file:///x/berth-os.json"), null, Architecture.X86_64);
    assertThat(artifact.stream()).isEqualTo("berth-os");
  }

  @Test
  void parse_withoutUncompressedDigest_leavesItNull() {
    byte[] json = Fixtures.stream("x86_64", "1", "d.xz", SHA, null).getBytes(UTF_8);
    assertThat(StreamMetadata.parse(json, FCOS, null, Architecture.X86_64).uncompressedSha256())
        .isNull();
  }

  @Test
  void parse_otherArchitectureOnly_throwsNamingTheOnesThereAre() {
    assertThatThrownBy(
            () -> StreamMetadata.parse(stream("aarch64", "d.xz"), FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessage("stream metadata " + FCOS + " has no image for x86_64")
        .satisfies(
            e -> assertThat(((BerthException) e).hint()).contains("it has images for: aarch64"));
  }

  @Test
  void parse_noQemuArtifact_throws() {
    String json = new String(stream("x86_64", "d.xz"), UTF_8).replace("\"qemu\"", "\"metal\"");
    assertThatThrownBy(
            () -> StreamMetadata.parse(json.getBytes(UTF_8), FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("has no qemu image for x86_64");
  }

  @Test
  void parse_noQcow2XzFormat_throws() {
    String json = new String(stream("x86_64", "d.xz"), UTF_8).replace("qcow2.xz", "raw.gz");
    assertThatThrownBy(
            () -> StreamMetadata.parse(json.getBytes(UTF_8), FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("has no qcow2.xz image for x86_64");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "not json", "[1,2]", "{\"architectures\": 3}", "{\"a\": }", "null"})
  void parse_invalidOrUnexpectedJson_throws(String json) {
    assertThatThrownBy(
            () -> StreamMetadata.parse(json.getBytes(UTF_8), FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessageStartingWith("stream metadata " + FCOS);
  }

  @Test
  void parse_missingDigest_throwsNamingTheField() {
    String json = new String(stream("x86_64", "d.xz"), UTF_8).replace("\"sha256\"", "\"sha512\"");
    assertThatThrownBy(
            () -> StreamMetadata.parse(json.getBytes(UTF_8), FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("lacks the string architectures.x86_64.artifacts.qemu")
        .hasMessageEndingWith(".disk.sha256");
  }

  @Test
  void parse_malformedDigest_throws() {
    byte[] json = Fixtures.stream("x86_64", "1", "d.xz", "xyz", null).getBytes(UTF_8);
    assertThatThrownBy(() -> StreamMetadata.parse(json, FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("is not a SHA-256 digest");
  }

  @Test
  void parse_missingRelease_throws() {
    String json = new String(stream("x86_64", "d.xz"), UTF_8).replace("\"release\"", "\"rel\"");
    assertThatThrownBy(
            () -> StreamMetadata.parse(json.getBytes(UTF_8), FCOS, null, Architecture.X86_64))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("lacks the string architectures.x86_64.artifacts.qemu.release");
  }
}
