package dev.berth.net.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One parsed HTTP/1.1 request.
 *
 * @param method the method, {@code POST}
 * @param target the request target as sent, {@code /tunnel?ip=…&port=…}
 * @param version {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param headers header names in lower case to values (the last one wins)
 * @param body the body, empty when there is none
 * @param caller the caller's {@code ip:port}, or {@code @} on a unix socket (as Go reports it)
 */
record HttpRequest(
    String method,
    String target,
    String version,
    Map<String, String> headers,
    byte[] body,
    String caller) {

  String path() {
    int q = target.indexOf('?');
    return q < 0 ? target : target.substring(0, q);
  }

  /** The first value of query parameter {@code name}, or an empty string. */
  String query(String name) {
    int q = target.indexOf('?');
    if (q < 0) {
      return "";
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : target.substring(q + 1).split("&")) {
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      values.putIfAbsent(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
    }
    return values.getOrDefault(name, "");
  }

  boolean keepAlive() {
    String connection = headers.getOrDefault("connection", "").toLowerCase(Locale.ROOT);
    return version.equals("HTTP/1.1")
        ? !connection.equals("close")
        : connection.equals("keep-alive");
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return s;
    }
  }
}
