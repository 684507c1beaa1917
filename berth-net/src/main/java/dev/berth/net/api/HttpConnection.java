package dev.berth.net.api;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP/1.1 connection on a blocking socket: requests with a Content-Length body, keep-alive,
 * and hand-over of the raw socket (with the bytes read past the request). Go's 10 s read and write
 * timeouts are enforced by closing the socket.
 */
final class HttpConnection {

  /** The longest line of a request's head. */
  static final int MAX_HEADER_BYTES = 16 * 1024;

  /** The most bytes of a request's head (request line and headers), and the most header lines. */
  static final int MAX_HEAD_BYTES = 64 * 1024;

  static final int MAX_HEADER_LINES = 100;
  static final int MAX_BODY_BYTES = 1024 * 1024;
  static final long TIMEOUT_SECONDS = 10;

  /**
   * A request the connection cannot parse: answered with {@code status}, then the connection
   * closes.
   */
  static final class BadRequest extends IOException {
    private static final long serialVersionUID = 1L;
    final int status;

    BadRequest(int status, String message) {
      super(message);
      this.status = status;
    }
  }

  private final SocketChannel channel;
  private final ScheduledExecutorService timer;
  private final ByteBuffer in = ByteBuffer.allocate(MAX_HEADER_BYTES);
  private String caller = "@";
  private boolean expectProxyLine;
  private ScheduledFuture<?> deadline;

  HttpConnection(SocketChannel channel, ScheduledExecutorService timer, boolean expectProxyLine) {
    this.channel = channel;
    this.timer = timer;
    this.expectProxyLine = expectProxyLine;
    in.flip();
  }

  SocketChannel channel() {
    return channel;
  }

  /** The next request, or null when the client closed the connection between requests. */
  HttpRequest read() throws IOException {
    startDeadline();
    try {
      if (expectProxyLine) {
        caller = proxyCaller(line(true));
        expectProxyLine = false;
      }
      String requestLine = line(false);
      if (requestLine == null) {
        return null;
      }
      String[] parts = requestLine.split(" ");
      if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
        throw new BadRequest(400, "malformed HTTP request " + quote(requestLine));
      }
      Map<String, String> headers = new LinkedHashMap<>();
      int headBytes = requestLine.length();
      int headerLines = 0;
      String h;
      while (!(h = line(true)).isEmpty()) {
        headBytes += h.length() + 2;
        if (headBytes > MAX_HEAD_BYTES || ++headerLines > MAX_HEADER_LINES) {
          throw new BadRequest(
              431,
              "request header too large: at most "
                  + MAX_HEADER_LINES
                  + " lines and "
                  + MAX_HEAD_BYTES
                  + " bytes");
        }
        int colon = h.indexOf(':');
        if (colon <= 0) {
          throw new BadRequest(400, "malformed MIME header line: " + h);
        }
        headers.put(
            h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
      if (headers.containsKey("transfer-encoding")) {
        throw new BadRequest(411, "chunked request bodies are not supported: send Content-Length");
      }
      byte[] body = body(headers.get("content-length"));
      return new HttpRequest(parts[0], parts[1], parts[2], headers, body, caller);
    } finally {
      cancelDeadline();
    }
  }

  /** What was read past the last request: the first bytes of a handed-over stream. */
  ByteBuffer leftover() {
    ByteBuffer rest = ByteBuffer.allocate(in.remaining());
    rest.put(in).flip();
    return rest;
  }

  void write(HttpResponse response, boolean keepAlive) throws IOException {
    StringBuilder head = new StringBuilder();
    head.append("HTTP/1.1 ")
        .append(response.status())
        .append(' ')
        .append(HttpResponse.reason(response.status()))
        .append("\r\n");
    if (response.body().length > 0) {
      head.append("Content-Type: text/plain; charset=utf-8\r\n");
    }
    if (response.error()) {
      head.append("X-Content-Type-Options: nosniff\r\n");
    }
    head.append("Date: ")
        .append(DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)))
        .append("\r\n");
    head.append("Content-Length: ").append(response.body().length).append("\r\n");
    if (!keepAlive) {
      head.append("Connection: close\r\n");
    }
    head.append("\r\n");
    writeRaw(
        ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.US_ASCII)),
        ByteBuffer.wrap(response.body()));
  }

  /** Writes bytes with no HTTP framing (the {@code OK} of a tunnel). */
  void writeRaw(ByteBuffer... buffers) throws IOException {
    startDeadline();
    try {
      long left = 0;
      for (ByteBuffer b : buffers) {
        left += b.remaining();
      }
      while (left > 0) {
        left -= channel.write(buffers);
      }
    } finally {
      cancelDeadline();
    }
  }

  private void startDeadline() {
    deadline =
        timer.schedule(
            () -> {
              try {
                channel.close();
              } catch (IOException e) {
                // The connection is being abandoned anyway.
              }
            },
            TIMEOUT_SECONDS,
            TimeUnit.SECONDS);
  }

  void cancelDeadline() {
    if (deadline != null) {
      deadline.cancel(false);
      deadline = null;
    }
  }

  /**
   * One CRLF- or LF-terminated line; null at a clean end of stream when {@code required} is false.
   */
  private String line(boolean required) throws IOException {
    while (true) {
      for (int i = in.position(); i < in.limit(); i++) {
        if (in.get(i) == '\n') {
          int end = i > in.position() && in.get(i - 1) == '\r' ? i - 1 : i;
          byte[] bytes = new byte[end - in.position()];
          in.get(bytes);
          in.position(i + 1);
          return new String(bytes, StandardCharsets.ISO_8859_1);
        }
      }
      if (in.position() == 0 && in.limit() == in.capacity()) {
        throw new BadRequest(431, "request header too large");
      }
      boolean empty = !in.hasRemaining();
      if (fill() < 0) {
        if (!required && empty) {
          return null;
        }
        throw new EOFException("connection closed in the middle of a request");
      }
    }
  }

  private int fill() throws IOException {
    in.compact();
    try {
      return channel.read(in);
    } finally {
      in.flip();
    }
  }

  private byte[] body(String contentLength) throws IOException {
    if (contentLength == null) {
      return new byte[0];
    }
    long length;
    try {
      length = Long.parseLong(contentLength);
    } catch (NumberFormatException e) {
      throw new BadRequest(400, "bad Content-Length " + quote(contentLength));
    }
    if (length < 0) {
      throw new BadRequest(400, "bad Content-Length " + quote(contentLength));
    }
    if (length > MAX_BODY_BYTES) {
      throw new BadRequest(413, "request body larger than " + MAX_BODY_BYTES + " bytes");
    }
    byte[] body = new byte[(int) length];
    int have = 0;
    while (have < body.length) {
      if (!in.hasRemaining() && fill() < 0) {
        throw new EOFException("connection closed in the middle of a request body");
      }
      int n = Math.min(in.remaining(), body.length - have);
      in.get(body, have, n);
      have += n;
    }
    return body;
  }

  /**
   * The caller in a PROXY protocol v1 line, {@code PROXY TCP4 SRC DST SPORT DPORT}, as {@code
   * SRC:SPORT}.
   */
  static String proxyCaller(String line) throws BadRequest {
    String[] f = line.split(" ");
    if (f.length != 6 || !f[0].equals("PROXY") || !f[1].equals("TCP4")) {
      throw new BadRequest(400, "expected a PROXY protocol line");
    }
    return f[2] + ":" + f[4];
  }

  private static String quote(String s) {
    return "\"" + s + "\"";
  }
}
