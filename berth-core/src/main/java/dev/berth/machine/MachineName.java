package dev.berth.machine;

import dev.berth.BerthException;
import java.util.regex.Pattern;

/** Machine names: what podman machine accepts, checked before anything is written. */
public final class MachineName {
  public static final String DEFAULT = "berth-default";
  public static final int MAX_LENGTH = 30;

  private static final Pattern VALID = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

  private MachineName() {}

  /**
   * Whether {@code name} is a machine name: what may become a file name under Berth's directories.
   */
  public static boolean isValid(String name) {
    return name.length() <= MAX_LENGTH && VALID.matcher(name).matches();
  }

  /**
   * Returns the name if it is valid, else throws an error that says why. Every path made from a
   * name goes through here first, so that "..", "." or "a/b" never leave Berth's directories.
   */
  public static String validate(String name) {
    if (name.length() > MAX_LENGTH) {
      throw new BerthException(
          "machine name \"" + name + "\" is " + name.length() + " characters long",
          "use at most " + MAX_LENGTH + " characters");
    }
    if (!VALID.matcher(name).matches()) {
      throw new BerthException(
          "invalid machine name \"" + name + "\"",
          "a name starts with a letter or digit and contains only letters, digits, '_', '.' and"
              + " '-'");
    }
    return name;
  }
}
