package dev.berth;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of this build of Berth, stamped in by Maven. */
public final class BerthVersion {
  private BerthVersion() {}

  public static String get() {
    Properties properties = new Properties();
    try (InputStream in = BerthVersion.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      return "unknown";
    }
    return properties.getProperty("version", "unknown");
  }
}
