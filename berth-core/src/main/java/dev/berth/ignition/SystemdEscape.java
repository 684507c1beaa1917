package dev.berth.ignition;

import java.nio.charset.StandardCharsets;

/** systemd's path escaping ({@code systemd-escape --path}), for mount unit names. */
public final class SystemdEscape {
  private SystemdEscape() {}

  public static String path(String path) {
    String trimmed = path.replaceAll("/+", "/").replaceAll("^/|/$", "");
    if (trimmed.isEmpty()) {
      return "-";
    }
    StringBuilder out = new StringBuilder();
    byte[] bytes = trimmed.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < bytes.length; i++) {
      int b = bytes[i] & 0xff;
      if (b == '/') {
        out.append('-');
      } else if (isPlain(b) && !(i == 0 && b == '.')) {
        out.append((char) b);
      } else {
        out.append(String.format("\\x%02x", b));
      }
    }
    return out.toString();
  }

  private static boolean isPlain(int b) {
    return (b >= 'a' && b <= 'z')
        || (b >= 'A' && b <= 'Z')
        || (b >= '0' && b <= '9')
        || b == ':'
        || b == '_'
        || b == '.';
  }
}
