package dev.berth.machine;

import dev.berth.BerthException;
import java.util.regex.Pattern;

/**
 * User names in the guest: POSIX portable names, so that a name given on the command line can go
 * into {@code ssh USER@HOST} or an Ignition config and mean nothing else (no leading '-' that ssh
 * would read as an option, no spaces, no '@').
 */
public final class UserName {
  public static final int MAX_LENGTH = 32;

  private static final Pattern VALID = Pattern.compile("[a-z_][a-z0-9_-]*[$]?");

  private UserName() {}

  /** Returns the name if it is a valid user name, else throws an error that says why. */
  public static String validate(String name) {
    if (name.length() > MAX_LENGTH || !VALID.matcher(name).matches()) {
      throw new BerthException(
          "invalid user name \"" + name + "\"",
          "use at most "
              + MAX_LENGTH
              + " lower-case letters, digits, '_' and '-', starting with a"
              + " letter or '_'");
    }
    return name;
  }
}
