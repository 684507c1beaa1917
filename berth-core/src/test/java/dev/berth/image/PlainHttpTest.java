package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlainHttpTest {
  private static final String SHA = "a".repeat(64);

  @TempDir Path dir;

  private static ImageArtifact artifact(String location, String sha256, String source) {
    return new ImageArtifact(URI.create(location), sha256, null, null, null, source);
  }

  @Test
  void plainHttpWarning_saysWhatVerifiesTheImage() {
    assertThat(CacheFetch.plainHttpWarning(artifact("https://x/d.xz", SHA, "https://x/s.json")))
        .isEmpty();
    assertThat(CacheFetch.plainHttpWarning(artifact("file:///srv/d.xz", null, "/srv/d.xz")))
        .isEmpty();
    assertThat(CacheFetch.plainHttpWarning(artifact("http://x/d.xz", SHA, "https://x/s.json")))
        .hasValue(
            "http://x/d.xz is fetched over http, without TLS: it is checked against the"
                + " SHA-256 its https stream gives");
    assertThat(CacheFetch.plainHttpWarning(artifact("http://x/d.xz", null, "http://x/d.xz")))
        .hasValue(
            "http://x/d.xz is fetched over http, without TLS: nothing verifies it (no SHA-256"
                + " is given for it)");
    assertThat(CacheFetch.plainHttpWarning(artifact("https://x/d.xz", SHA, "http://x/s.json")))
        .hasValueSatisfying(
            w ->
                assertThat(w)
                    .startsWith(
                        "https://x/d.xz is named by a stream fetched over http, without TLS")
                    .contains("its SHA-256 came over http too"));
  }

  @Test
  void pull_imageUrlOverHttp_warnsOnce() throws Exception {
    try (ImageServer server = new ImageServer()) {
      server.put("/d.raw", Fixtures.disk(1, 7));
      ImageCache cache =
          new ImageCache(
              dir.resolve("images"),
              ImageCache.defaultHttpClient(),
              new TestClock(Instant.parse("2026-11-28T10:00:00Z")),
              Architecture.X86_64);
      RecordingListener progress = new RecordingListener();
      cache.pull(ImageSource.parse(server.uri("/d.raw").toString()), progress);
      assertThat(progress.warnings)
          .singleElement()
          .satisfies(w -> assertThat(w).contains("over http, without TLS: nothing verifies it"));
    }
  }
}
