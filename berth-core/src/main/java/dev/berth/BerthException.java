package dev.berth;

import java.util.Optional;

/**
 * An error the user can act on: its message says what was wrong, its hint (when there is one) says
 * how to fix it. The CLI prints {@code Error: <message>} and the hint, and exits 125.
 *
 * <p>Messages start lower-case, end without a period, and name the object they are about.
 */
public class BerthException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String hint;

  public BerthException(String message) {
    this(message, null, null);
  }

  public BerthException(String message, String hint) {
    this(message, hint, null);
  }

  public BerthException(String message, String hint, Throwable cause) {
    super(message, cause);
    this.hint = hint;
  }

  /** How to fix it, if there is a useful thing to say. */
  public Optional<String> hint() {
    return Optional.ofNullable(hint);
  }
}
