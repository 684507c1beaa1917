package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageSourceTest {
  private static final URI BASE = URI.create("http://127.0.0.1:1/streams/");

  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"stable", "testing", "next"})
  void parse_streamName_mapsToStreamUrlUnderBase(String name) {
    assertThat(ImageSource.parse(name, BASE))
        .isEqualTo(new ImageSource.Stream(name, URI.create(BASE + name + ".json")));
  }

  @Test
  void parse_streamName_defaultsToFedoraCoreOs() {
    assertThat(ImageSource.parse("stable"))
        .isEqualTo(
            new ImageSource.Stream(
                "stable",
                URI.create("https://builds.coreos.fedoraproject.org/streams/stable.json")));
  }

  @Test
  void parse_nullOrBlank_isTheTestingStream() {
    assertThat(ImageSource.parse(null, BASE)).isEqualTo(ImageSource.parse("testing", BASE));
    assertThat(ImageSource.parse("  ", BASE)).isEqualTo(ImageSource.parse("testing", BASE));
  }

  @Test
  void parse_jsonUrl_isStreamMetadataWithoutName() {
    assertThat(ImageSource.parse("https://example.org/berth-os/stream.json?x=1", BASE))
        .isEqualTo(
            new ImageSource.Stream(
                null, URI.create("https://example.org/berth-os/stream.json?x=1")));
  }

  @Test
  void parse_otherUrl_isImageUrl() {
    assertThat(ImageSource.parse("HTTP://example.org/disk.qcow2.xz", BASE))
        .isEqualTo(new ImageSource.Url(URI.create("HTTP://example.org/disk.qcow2.xz")));
  }

  @Test
  void parse_localJsonFile_isStreamMetadataFileUri() throws IOException {
    Path json = Files.writeString(dir.resolve("stream.json"), "{}");
    assertThat(ImageSource.parse(json.toString(), BASE))
        .isEqualTo(new ImageSource.Stream(null, json.toUri()));
  }

  @Test
  void parse_localImageFile_isLocalFileWithAbsolutePath() throws IOException {
    Path image = Files.write(dir.resolve("disk.qcow2"), new byte[] {1});
    assertThat(ImageSource.parse(image.toString(), BASE))
        .isEqualTo(new ImageSource.LocalFile(image.toAbsolutePath()));
  }

  @Test
  void parse_missingFile_throwsWithHintListingTheKinds() {
    String missing = dir.resolve("nope.qcow2").toString();
    assertThatThrownBy(() -> ImageSource.parse(missing, BASE))
        .isInstanceOf(BerthException.class)
        .hasMessage("image file " + missing + " does not exist")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .hasValueSatisfying(
                        hint -> assertThat(hint).contains("stable, testing, next")));
  }

  @Test
  void parse_misspeltStreamName_throwsAsMissingFile() {
    assertThatThrownBy(() -> ImageSource.parse("stabel", BASE))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("stabel");
  }

  @Test
  void parse_invalidUrl_throws() {
    assertThatThrownBy(() -> ImageSource.parse("http://exa mple.org/x.img", BASE))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("not a valid URL");
  }
}
