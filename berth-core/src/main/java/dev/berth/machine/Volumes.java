package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.os.Host;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Parses and checks {@code -v SRC[:DST[:OPTIONS]]} volume specifications. */
public final class Volumes {
  /** Guest directories a volume may not replace: the guest would not boot or work. */
  static final Set<String> SYSTEM_DIRECTORIES =
      Set.of(
          "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib64", "/proc", "/root", "/run",
          "/sbin", "/sys", "/tmp", "/usr", "/var");

  private Volumes() {}

  /** A volume before it gets its tag. */
  public record Spec(Path source, String target, boolean readOnly) {}

  /** podman's defaults: the home directory on Linux, the directories macOS keeps files in. */
  public static List<String> defaults(Host host) {
    if (host.isMacOs()) {
      return List.of("/Users:/Users", "/private:/private", "/var/folders:/var/folders");
    }
    String home = host.home().toString();
    return SYSTEM_DIRECTORIES.contains(home) ? List.of() : List.of(home + ":" + home);
  }

  public static Spec parse(String spec, Host host) {
    String expanded = expand(spec, host);
    // A newline in a target would end a line of the guest's mount unit and start another.
    if (expanded.chars().anyMatch(Character::isISOControl)) {
      throw new BerthException(
          "invalid volume \""
              + escapeControls(expanded)
              + "\": a control character (shown as"
              + " \\uXXXX) is in its source or target",
          "use -v SRC[:DST[:ro]] with paths of printable characters");
    }
    String[] parts = expanded.split(":", -1);
    if (parts.length > 3 || parts[0].isEmpty()) {
      throw invalid(spec, "expected SRC[:DST[:ro|rw]]");
    }
    Path source = Path.of(parts[0]).toAbsolutePath().normalize();
    String target = parts.length > 1 && !parts[1].isEmpty() ? parts[1] : source.toString();
    boolean readOnly = false;
    if (parts.length == 3) {
      for (String option : parts[2].split(",")) {
        switch (option) {
          case "ro" -> readOnly = true;
          case "rw" -> readOnly = false;
          default -> throw invalid(spec, "unknown option \"" + option + "\"; use ro or rw");
        }
      }
    }
    if (!Files.isDirectory(source)) {
      throw invalid(spec, "source directory " + source + " does not exist");
    }
    if (!target.startsWith("/")) {
      throw invalid(spec, "target \"" + target + "\" is not an absolute path");
    }
    String normalTarget = Path.of(target).normalize().toString();
    if (SYSTEM_DIRECTORIES.contains(normalTarget)) {
      throw invalid(
          spec, "target " + normalTarget + " is a system directory of the machine; pick another");
    }
    return new Spec(source, normalTarget, readOnly);
  }

  public static List<Spec> parseAll(List<String> specs, Host host) {
    List<Spec> parsed = new ArrayList<>();
    for (String spec : specs) {
      Spec volume = parse(spec, host);
      if (parsed.stream().anyMatch(v -> v.target().equals(volume.target()))) {
        throw invalid(spec, "another volume is already mounted at " + volume.target());
      }
      parsed.add(volume);
    }
    return parsed;
  }

  private static String expand(String spec, Host host) {
    StringBuilder out = new StringBuilder();
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)}?").matcher(spec);
    while (m.find()) {
      String value = "HOME".equals(m.group(1)) ? host.home().toString() : host.getenv(m.group(1));
      m.appendReplacement(
          out, java.util.regex.Matcher.quoteReplacement(value == null ? "" : value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String escapeControls(String text) {
    StringBuilder out = new StringBuilder();
    text.chars()
        .forEach(
            c -> out.append(Character.isISOControl(c) ? String.format("\\u%04x", c) : (char) c));
    return out.toString();
  }

  private static BerthException invalid(String spec, String why) {
    return new BerthException("invalid volume \"" + spec + "\": " + why, "use -v SRC[:DST[:ro]]");
  }
}
