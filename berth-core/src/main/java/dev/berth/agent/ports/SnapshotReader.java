package dev.berth.agent.ports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the guest reporter's output: snapshots of listening sockets, each a run of lines ended by a
 * line {@code END}. The guest is untrusted, so every read is bounded: a line longer than {@link
 * #MAX_LINE_BYTES} is dropped, a snapshot keeps at most {@link #MAX_SOCKETS} sockets and reads at
 * most {@link #MAX_LINES} lines; the rest up to its {@code END} is skipped.
 */
final class SnapshotReader {

  /** A reporter line is about 100 bytes ({@code tcp6}, two 32-digit addresses). */
  static final int MAX_LINE_BYTES = 256;

  static final int MAX_SOCKETS = 1024;
  static final int MAX_LINES = 16 * MAX_SOCKETS;
  static final String END = "END";

  private static final Pattern WELL_FORMED =
      Pattern.compile("(tcp|udp)6? +\\d{1,9}: +[0-9A-Fa-f:]+ +[0-9A-Fa-f:]+ +[0-9A-Fa-f]{2}( .*)?");

  /**
   * One snapshot: the listening sockets, and whether the guest sent more than was kept or lines
   * that were not sockets (a hostile or broken reporter; its log line says so).
   */
  record Snapshot(Set<ListeningSocket> sockets, boolean cut, int rejectedLines) {}

  private final InputStream in;
  private final byte[] line = new byte[MAX_LINE_BYTES];

  SnapshotReader(InputStream in) {
    this.in = in;
  }

  /** The next complete snapshot, or null at the end of the stream. */
  Snapshot next() throws IOException {
    Set<ListeningSocket> sockets = new LinkedHashSet<>();
    boolean cut = false;
    int rejected = 0;
    int lines = 0;
    while (true) {
      String text = readLine();
      if (text == null) {
        return null;
      }
      if (text.equals(END)) {
        return new Snapshot(sockets, cut, rejected);
      }
      if (++lines > MAX_LINES || sockets.size() >= MAX_SOCKETS) {
        cut = true;
        continue;
      }
      var socket = text.isEmpty() ? null : ListeningSocket.parse(text).orElse(null);
      if (socket != null) {
        sockets.add(socket);
      } else if (!isNonListening(text)) {
        rejected++;
      }
    }
  }

  /** A well-formed line of a socket that serves nobody (a connection, a closing socket). */
  private static boolean isNonListening(String text) {
    return WELL_FORMED.matcher(text).matches();
  }

  /**
   * A line without its newline; a line too long comes back empty (no socket). Null at the end of
   * the stream, a last line without a newline included: the reporter always ends its lines.
   */
  private String readLine() throws IOException {
    int length = 0;
    boolean tooLong = false;
    while (true) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      if (b == '\n') {
        return tooLong ? "" : new String(line, 0, length, StandardCharsets.US_ASCII);
      }
      if (length == line.length) {
        tooLong = true;
      } else {
        line[length++] = (byte) b;
      }
    }
  }
}
