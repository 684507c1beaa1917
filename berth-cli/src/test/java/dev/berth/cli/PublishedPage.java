package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The page a container publishes on the host's loopback, as a user's browser fetches it. */
final class PublishedPage {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private PublishedPage() {}

  /**
   * The page at 127.0.0.1:{@code port}, answered with 200, waiting up to {@code wait} for the
   * forward that podman in the machine just asked for.
   */
  static String fetch(int port, Duration wait) throws Exception {
    return fetch(port, wait, Duration.ofMillis(500));
  }

  /** The page, tried once: the port must answer now, with nothing waited for. */
  static String fetchNow(int port) throws Exception {
    return fetch(port, Duration.ofNanos(1), Duration.ZERO);
  }

  /** As {@link #fetch(int, Duration)}, trying again every {@code poll}. */
  static String fetch(int port, Duration wait, Duration poll) throws Exception {
    long deadline = System.nanoTime() + wait.toNanos();
    IOException last = null;
    do {
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/"))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
      } catch (IOException e) {
        last = e;
        Thread.sleep(poll.toMillis());
      }
    } while (System.nanoTime() < deadline);
    throw new AssertionError("nothing answered on 127.0.0.1:" + port, last);
  }
}
