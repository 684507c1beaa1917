package dev.berth.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.BerthException;
import dev.berth.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads Fedora CoreOS stream metadata, the format berth-os publishes too.
 *
 * <p>The walk is {@code architectures.<arch>.artifacts.qemu}: its {@code release}, and {@code
 * formats["qcow2.xz"].disk} with {@code location}, {@code sha256} and {@code uncompressed-sha256},
 * and for berth-os, which boots its kernel directly, {@code kernel} and {@code initramfs} beside
 * {@code disk}. Fedora CoreOS gives absolute locations; berth-os gives them relative to the stream
 * file, so they are resolved against the metadata's own URI.
 */
public final class StreamMetadata {
  static final String ARTIFACT = "qemu";
  static final String FORMAT = "qcow2.xz";

  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final ObjectMapper JSON = Json.plain();

  private StreamMetadata() {}

  /**
   * Picks the QEMU disk for {@code arch} out of stream metadata.
   *
   * @param json the metadata as fetched
   * @param metadataUri where it was fetched from: relative locations resolve against it
   * @param streamName the stream's name when the user gave one, else null (the metadata's {@code
   *     stream} field or the file name is used)
   * @throws BerthException when the JSON is invalid, lacks a field, or has no image for {@code
   *     arch}
   */
  public static ImageArtifact parse(
      byte[] json, URI metadataUri, String streamName, Architecture arch) {
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw invalid(metadataUri, "is not valid JSON (" + e.getOriginalMessage() + ")", e);
    } catch (IOException e) {
      throw invalid(metadataUri, "cannot be read (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw invalid(metadataUri, "is not a JSON object", null);
    }
    JsonNode architectures = object(root, "architectures", metadataUri);
    JsonNode forArch = architectures.get(arch.streamName());
    if (forArch == null || forArch.isNull()) {
      throw new BerthException(
          "stream metadata " + metadataUri + " has no image for " + arch.streamName(),
          "it has images for: " + String.join(", ", names(architectures)));
    }
    String prefix = "architectures." + arch.streamName();
    JsonNode artifacts = object(forArch, "artifacts", metadataUri, prefix);
    JsonNode qemu = artifacts.get(ARTIFACT);
    if (qemu == null || !qemu.isObject()) {
      throw new BerthException(
          "stream metadata " + metadataUri + " has no qemu image for " + arch.streamName(),
          "it has: " + String.join(", ", names(artifacts)));
    }
    prefix += ".artifacts.qemu";
    String release = text(qemu, "release", metadataUri, prefix);
    JsonNode formats = object(qemu, "formats", metadataUri, prefix);
    JsonNode format = formats.get(FORMAT);
    if (format == null || !format.isObject()) {
      throw new BerthException(
          "stream metadata "
              + metadataUri
              + " has no "
              + FORMAT
              + " image for "
              + arch.streamName(),
          "it has formats: " + String.join(", ", names(formats)));
    }
    prefix += ".formats[\"" + FORMAT + "\"]";
    String stream = streamName;
    if (stream == null) {
      JsonNode field = root.get("stream");
      stream = field != null && field.isTextual() ? field.asText() : baseName(metadataUri);
    }
    String source = metadataUri.toString();
    JsonNode disk = object(format, "disk", metadataUri, prefix);
    String diskPath = prefix + ".disk";
    return new ImageArtifact(
        location(disk, metadataUri, diskPath),
        digest(disk, "sha256", metadataUri, diskPath, true),
        digest(disk, "uncompressed-sha256", metadataUri, diskPath, false),
        stream,
        release,
        source,
        bootFile(format, "kernel", metadataUri, prefix, stream, release),
        bootFile(format, "initramfs", metadataUri, prefix, stream, release));
  }

  /** berth-os boots its kernel directly: {@code kernel} and {@code initramfs} beside the disk. */
  private static ImageArtifact bootFile(
      JsonNode format, String field, URI uri, String prefix, String stream, String release) {
    JsonNode node = format.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    JsonNode file = object(format, field, uri, prefix);
    String filePath = prefix + "." + field;
    return new ImageArtifact(
        location(file, uri, filePath),
        digest(file, "sha256", uri, filePath, true),
        null,
        stream,
        release,
        uri.toString(),
        null,
        null);
  }

  /**
   * A file's location, resolved against the metadata's. A stream fetched over the network names
   * http(s) locations only: a {@code file:} one would have Berth read a file of this host that
   * whoever serves the stream chose.
   */
  private static URI location(JsonNode file, URI uri, String prefix) {
    String location = text(file, "location", uri, prefix);
    URI resolved;
    try {
      resolved = uri.resolve(parseLocation(location));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw invalid(uri, "has an invalid " + prefix + ".location: " + location, e);
    }
    boolean local = "file".equalsIgnoreCase(uri.getScheme());
    if (!isHttp(resolved) && !(local && "file".equalsIgnoreCase(resolved.getScheme()))) {
      String allowed =
          local
              ? "only http, https and file locations are allowed"
              : "a stream fetched over the network may name only http and https locations";
      throw new BerthException(
          "stream metadata " + uri + " has " + prefix + ".location " + resolved + ": " + allowed,
          "use stream metadata from a source you trust");
    }
    return resolved;
  }

  private static boolean isHttp(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    return scheme.equals("http") || scheme.equals("https");
  }

  /** An absolute URL as it is; a relative path with spaces or other characters encoded. */
  private static URI parseLocation(String location) throws URISyntaxException {
    if (location.matches("(?i)^[a-z][a-z0-9+.-]*:.*")) {
      return new URI(location);
    }
    return new URI(null, null, location, null);
  }

  private static String baseName(URI uri) {
    String path = uri.getPath() == null ? "" : uri.getPath();
    String name = path.substring(path.lastIndexOf('/') + 1);
    return name.endsWith(".json") ? name.substring(0, name.length() - 5) : name;
  }

  private static JsonNode object(JsonNode parent, String field, URI uri) {
    return object(parent, field, uri, null);
  }

  private static JsonNode object(JsonNode parent, String field, URI uri, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || !node.isObject()) {
      throw invalid(uri, "lacks the object " + path(prefix, field), null);
    }
    return node;
  }

  private static String text(JsonNode parent, String field, URI uri, String prefix) {
    JsonNode node = parent.get(field);
    if (node == null || !node.isTextual() || node.asText().isBlank()) {
      throw invalid(uri, "lacks the string " + path(prefix, field), null);
    }
    return node.asText();
  }

  private static String digest(
      JsonNode parent, String field, URI uri, String prefix, boolean required) {
    JsonNode node = parent.get(field);
    if (node == null || node.isNull()) {
      if (required) {
        throw invalid(uri, "lacks the string " + path(prefix, field), null);
      }
      return null;
    }
    String value = node.asText().toLowerCase(Locale.ROOT);
    if (!node.isTextual() || !SHA256.matcher(value).matches()) {
      throw invalid(
          uri, "has " + path(prefix, field) + " that is not a SHA-256 digest: " + node, null);
    }
    return value;
  }

  private static String path(String prefix, String field) {
    return prefix == null ? field : prefix + "." + field;
  }

  private static List<String> names(JsonNode object) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
      names.add(it.next());
    }
    return names.isEmpty() ? List.of("nothing") : names;
  }

  private static BerthException invalid(URI uri, String what, Exception cause) {
    return new BerthException(
        "stream metadata " + uri + " " + what,
        "check that --image names Fedora CoreOS or berth-os stream metadata",
        cause);
  }
}
