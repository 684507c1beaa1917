package dev.berth.image;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One image to fetch, as resolved from an {@link ImageSource}.
 *
 * @param location an http(s) or file URI of the (possibly compressed) image
 * @param sha256 the SHA-256 of the bytes at {@code location}, lower-case hex; null when the source
 *     did not say (an image URL or a local file)
 * @param uncompressedSha256 the SHA-256 of the decompressed image; null when unknown
 * @param stream the stream's name; null when the image did not come from a stream
 * @param release the stream's release of the image (the image version); null when unknown
 * @param source what the user asked for: the stream metadata URI, the image URL or the file
 * @param kernel the kernel to boot the image with, fetched as it is; null when the image boots by
 *     itself (Fedora CoreOS)
 * @param initramfs the initramfs that goes with {@code kernel}; null without one
 */
public record ImageArtifact(
    URI location,
    String sha256,
    String uncompressedSha256,
    String stream,
    String release,
    String source,
    ImageArtifact kernel,
    ImageArtifact initramfs) {

  /** An artifact without boot files. */
  public ImageArtifact(
      URI location,
      String sha256,
      String uncompressedSha256,
      String stream,
      String release,
      String source) {
    this(location, sha256, uncompressedSha256, stream, release, source, null, null);
  }

  public ImageArtifact {
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(source, "source");
  }

  /** The location for messages: a local file as a path, else the URI. */
  public String displayLocation() {
    return "file".equalsIgnoreCase(location.getScheme())
        ? Path.of(location).toString()
        : location.toString();
  }

  /** The last segment of the location's path, for messages. */
  public String fileName() {
    String path = location.getPath();
    if (path == null || path.isEmpty()) {
      return location.toString();
    }
    return path.substring(path.lastIndexOf('/') + 1);
  }
}
