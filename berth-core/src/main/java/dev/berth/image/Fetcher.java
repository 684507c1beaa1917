package dev.berth.image;

import dev.berth.BerthException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Opens http(s) and file URIs, turning every failure into a {@link BerthException}. */
final class Fetcher {
  /** Stream metadata is tens of kilobytes; anything far larger is not stream metadata. */
  static final int MAX_METADATA_BYTES = 16 << 20;

  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(60);
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final Supplier<HttpClient> newClient;
  private HttpClient http;

  /**
   * @param newClient makes the HTTP client on the first http(s) fetch: building one sets up TLS, a
   *     third of a second that commands which fetch nothing should not pay
   */
  Fetcher(Supplier<HttpClient> newClient) {
    this.newClient = newClient;
  }

  private synchronized HttpClient http() {
    if (http == null) {
      http = newClient.get();
    }
    return http;
  }

  /**
   * A body being read.
   *
   * @param body the bytes from {@code offset} on
   * @param offset where {@code body} starts in the whole: the offset asked for when the server
   *     honoured the range, else 0
   * @param total the whole length, -1 when the server did not say
   */
  record Opened(InputStream body, long offset, long total) {}

  /** Reads a small document, such as stream metadata, whole. */
  byte[] readAll(URI uri) {
    Opened opened = open(uri, 0);
    try (InputStream in = opened.body()) {
      byte[] data = in.readNBytes(MAX_METADATA_BYTES + 1);
      if (data.length > MAX_METADATA_BYTES) {
        throw new BerthException(
            uri
                + " is larger than "
                + (MAX_METADATA_BYTES >> 20)
                + " MiB, too large for stream metadata",
            "give --image the URL of a stream's .json file");
      }
      return data;
    } catch (IOException e) {
      throw new BerthException("reading " + uri + " failed: " + describe(e), networkHint(uri), e);
    }
  }

  /**
   * Opens {@code uri} for reading from byte {@code from} on. An http(s) server may ignore the range
   * and send everything; {@link Opened#offset()} says which. Files are always read from the start.
   */
  Opened open(URI uri, long from) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    switch (scheme) {
      case "file":
        return openFile(Path.of(uri));
      case "http":
      case "https":
        return openHttp(uri, from);
      default:
        throw new BerthException(
            "cannot fetch " + uri + ": only http, https and local files are supported", null);
    }
  }

  private static Opened openFile(Path path) {
    try {
      return new Opened(Files.newInputStream(path), 0, Files.size(path));
    } catch (NoSuchFileException e) {
      throw new BerthException(
          "image file " + path + " does not exist",
          "check the path; a stream's files must lie where its locations point",
          e);
    } catch (IOException e) {
      throw new BerthException("cannot read " + path + ": " + describe(e), null, e);
    }
  }

  private Opened openHttp(URI uri, long from) {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(RESPONSE_TIMEOUT).GET();
    if (from > 0) {
      request.header("Range", "bytes=" + from + "-");
    }
    HttpResponse<InputStream> response = send(uri, request.build());
    int status = response.statusCode();
    OptionalLong length = response.headers().firstValueAsLong("Content-Length");
    if (status == 206 && from > 0) {
      long total = rangeTotal(response, from, length);
      if (total != -2) {
        return new Opened(response.body(), from, total);
      }
    }
    if (status == 200) {
      return new Opened(response.body(), 0, length.orElse(-1));
    }
    closeQuietly(response.body());
    if ((status == 206 || status == 416) && from > 0) {
      // a range the server did not serve as asked: start over rather than splice wrong bytes
      return openHttp(uri, 0);
    }
    if (status == 404 || status == 410) {
      throw new BerthException(
          uri + " was not found (HTTP " + status + ")",
          "check the URL; when it came from stream metadata, the stream may have moved on: try"
              + " again");
    }
    throw new BerthException(
        uri + " answered HTTP " + status + " instead of the image",
        status >= 500 ? "the server has a problem; try again later" : "check the URL");
  }

  /** The whole length from a 206 answer, -1 when unknown, or -2 when the range is not ours. */
  private static long rangeTotal(HttpResponse<?> response, long from, OptionalLong length) {
    Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
    if (!m.matches() || Long.parseLong(m.group(1)) != from) {
      return -2;
    }
    if (!m.group(3).equals("*")) {
      return Long.parseLong(m.group(3));
    }
    return length.isPresent() ? from + length.getAsLong() : -1;
  }

  private HttpResponse<InputStream> send(URI uri, HttpRequest request) {
    try {
      return http().send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (ConnectException e) {
      throw new BerthException(
          "cannot connect to "
              + uri.getAuthority()
              + " to fetch "
              + uri
              + ": "
              + whyNoConnection(e),
          networkHint(uri),
          e);
    } catch (HttpTimeoutException e) {
      throw new BerthException(
          uri.getAuthority()
              + " did not answer within "
              + RESPONSE_TIMEOUT.toSeconds()
              + " s for "
              + uri,
          networkHint(uri),
          e);
    } catch (IOException e) {
      throw new BerthException("fetching " + uri + " failed: " + describe(e), networkHint(uri), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BerthException("fetching " + uri + " was interrupted", null, e);
    }
  }

  /** An exception's message, or its cause's or type's when it has none (ConnectException). */
  static String describe(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return e.getClass().getSimpleName();
  }

  /** The JDK client's ConnectException often has no message: name the usual causes. */
  private static String whyNoConnection(ConnectException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof UnresolvedAddressException) {
        return "unknown host";
      }
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage();
      }
    }
    return "connection refused";
  }

  private static String networkHint(URI uri) {
    return "check the network connection and that " + uri.getHost() + " is reachable";
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException | UncheckedIOException e) {
      // the answer is already an error; a failing close adds nothing
    }
  }
}
