package dev.berth.image;

import dev.berth.BerthException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Where a guest image comes from, as given to {@code berth init --image}.
 *
 * <p>{@link #parse(String, URI)} tells the four kinds apart: a stream name ({@code stable}, {@code
 * testing}, {@code next}), stream metadata (an http(s) URL or a local file ending in {@code
 * .json}), an image URL, or a local image file.
 */
public sealed interface ImageSource {

  /** The stream names that map to Fedora CoreOS streams. */
  List<String> STREAM_NAMES = List.of("stable", "testing", "next");

  /** The stream used without {@code --image}, as in podman 4. */
  String DEFAULT_STREAM = "testing";

  /** Where Fedora CoreOS publishes {@code <stream>.json}. */
  URI FCOS_STREAM_BASE = URI.create("https://builds.coreos.fedoraproject.org/streams/");

  /**
   * Stream metadata (the Fedora CoreOS format, which berth-os publishes too).
   *
   * @param name the stream's name when the user gave one ({@code testing}), else null: the
   *     metadata's own {@code stream} field is used then
   * @param metadata an http(s) or file URI of the JSON
   */
  record Stream(String name, URI metadata) implements ImageSource {
    @Override
    public String describe() {
      return name != null ? "stream " + name : "stream " + metadata;
    }
  }

  /** An image to download as it is, compressed or not. */
  record Url(URI uri) implements ImageSource {
    @Override
    public String describe() {
      return uri.toString();
    }
  }

  /** An image file on this host, compressed or not. */
  record LocalFile(Path path) implements ImageSource {
    @Override
    public String describe() {
      return path.toString();
    }
  }

  /** A short description for messages. */
  String describe();

  /** Parses {@code --image} with the Fedora CoreOS stream location. */
  static ImageSource parse(String image) {
    return parse(image, FCOS_STREAM_BASE);
  }

  /**
   * Parses {@code --image}.
   *
   * @param image the user's text; null or blank means {@link #DEFAULT_STREAM}
   * @param streamBase where stream names are looked up as {@code <base><name>.json}
   * @throws BerthException when the text is none of the four kinds (a local file that does not
   *     exist)
   */
  static ImageSource parse(String image, URI streamBase) {
    String text = image == null || image.isBlank() ? DEFAULT_STREAM : image.strip();
    if (STREAM_NAMES.contains(text)) {
      return new Stream(text, streamBase.resolve(text + ".json"));
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      URI uri = parseUri(text);
      String path = uri.getPath() == null ? "" : uri.getPath();
      return path.toLowerCase(Locale.ROOT).endsWith(".json") ? new Stream(null, uri) : new Url(uri);
    }
    Path path;
    try {
      path = Path.of(text).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw notFound(text, e);
    }
    if (!Files.isRegularFile(path)) {
      throw notFound(text, null);
    }
    return lower.endsWith(".json") ? new Stream(null, path.toUri()) : new LocalFile(path);
  }

  private static URI parseUri(String text) {
    try {
      return new URI(text);
    } catch (URISyntaxException e) {
      throw new BerthException(
          "image URL " + text + " is not a valid URL: " + e.getReason(),
          "quote the URL and encode spaces as %20",
          e);
    }
  }

  private static BerthException notFound(String text, Exception cause) {
    return new BerthException(
        "image file " + text + " does not exist",
        "give --image a stream name ("
            + String.join(", ", STREAM_NAMES)
            + "), a stream metadata URL or file, an image URL or an existing image file",
        cause);
  }
}
