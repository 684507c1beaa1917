package dev.berth.net.api;

import java.nio.charset.StandardCharsets;

/**
 * A response as Go's net/http writes the ones gvproxy sends: bodies are text/plain (Go sniffs JSON
 * as text), errors carry {@code X-Content-Type-Options: nosniff} and end with a newline.
 */
record HttpResponse(int status, byte[] body, boolean error) {

  static HttpResponse ok() {
    return new HttpResponse(200, new byte[0], false);
  }

  static HttpResponse text(String body) {
    return new HttpResponse(200, body.getBytes(StandardCharsets.UTF_8), false);
  }

  /** As Go's {@code http.Error}. */
  static HttpResponse error(int status, String message) {
    return new HttpResponse(status, (message + "\n").getBytes(StandardCharsets.UTF_8), true);
  }

  static String reason(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 411 -> "Length Required";
      case 413 -> "Request Entity Too Large";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "Status " + status;
    };
  }
}
