package dev.berth.net.log;

/**
 * Text that someone else chose (a guest's request, a remote's message), made safe to log or print:
 * each control character (C0, DEL, C1) as {@code \}{@code uXXXX}, so that it cannot forge log lines
 * or drive a terminal, and, where a bound is given, cut to that many characters.
 */
public final class Printable {

  private Printable() {}

  /** {@code text} with its control characters escaped; {@code "null"} for null. */
  public static String escape(String text) {
    return of(text, Integer.MAX_VALUE);
  }

  /**
   * {@code text} with its control characters escaped, its first {@code maxChars} characters only,
   * followed by how many were left out.
   */
  public static String of(String text, int maxChars) {
    if (text == null) {
      return "null";
    }
    int shown = Math.min(text.length(), maxChars);
    StringBuilder out = new StringBuilder(shown + 16);
    for (int i = 0; i < shown; i++) {
      char c = text.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (shown < text.length()) {
      out.append("...(").append(text.length() - shown).append(" more characters)");
    }
    return out.toString();
  }
}
