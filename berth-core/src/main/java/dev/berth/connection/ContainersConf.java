package dev.berth.connection;

import dev.berth.os.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * podman 4's connections in the user's {@code containers.conf}: {@code [engine]
 * active_service="NAME"} and one {@code [engine.service_destinations.NAME]} table per connection.
 *
 * <p>The file is the user's and may hold anything, with comments: it is edited as lines, table by
 * table, so everything Berth does not own stays byte for byte as it was. A TOML library would
 * re-serialise the whole file and lose the comments.
 */
final class ContainersConf implements ConnectionFile {
  private static final Pattern HEADER = Pattern.compile("^\\s*\\[([^\\[\\]]+)]\\s*(#.*)?$");
  private static final String DESTINATIONS = "engine.service_destinations.";
  private static final Pattern ACTIVE =
      Pattern.compile("^\\s*active_service\\s*=\\s*[\"']([^\"']*)[\"']\\s*(#.*)?$");
  private static final Pattern BARE_KEY = Pattern.compile("[A-Za-z0-9_-]+");

  private final Path file;

  ContainersConf(Path file) {
    this.file = file;
  }

  /** A run of lines: the top of the file before any header, or one table with its header. */
  private record Table(String name, List<String> lines) {}

  @Override
  public Set<String> names() throws IOException {
    Set<String> names = new LinkedHashSet<>();
    for (Table table : read()) {
      destination(table).ifPresent(names::add);
    }
    return names;
  }

  @Override
  public Optional<String> defaultName() throws IOException {
    for (Table table : read()) {
      if ("engine".equals(table.name())) {
        for (String line : table.lines()) {
          Matcher m = ACTIVE.matcher(line);
          if (m.matches() && !m.group(1).isEmpty()) {
            return Optional.of(m.group(1));
          }
        }
      }
    }
    return Optional.empty();
  }

  @Override
  public void add(List<Connection> connections) throws IOException {
    Set<String> names = new LinkedHashSet<>();
    connections.forEach(c -> names.add(c.name()));
    List<Table> tables = withoutDestinations(read(), names);
    if (defaultName().isEmpty() && !connections.isEmpty()) {
      setActive(tables, connections.get(0).name());
    }
    for (Connection c : connections) {
      List<String> lines = new ArrayList<>();
      lines.add("[" + DESTINATIONS + key(c.name()) + "]");
      lines.add("  uri = " + quote(c.uri()));
      lines.add("  identity = " + quote(c.identity().toString()));
      lines.add("  is_machine = true");
      tables.add(new Table(DESTINATIONS + c.name(), lines));
    }
    write(tables);
  }

  @Override
  public void remove(Set<String> names, String fallback) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    List<Table> tables = withoutDestinations(read(), names);
    Optional<String> active = defaultName();
    if (active.isPresent() && names.contains(active.get())) {
      Set<String> remaining = new LinkedHashSet<>();
      tables.forEach(t -> destination(t).ifPresent(remaining::add));
      setActive(
          tables,
          remaining.contains(fallback)
              ? fallback
              : remaining.isEmpty() ? "" : remaining.iterator().next());
    }
    write(tables);
  }

  @Override
  public void switchDefault(String from, String to) throws IOException {
    if (defaultName().filter(from::equals).isPresent()) {
      List<Table> tables = read();
      setActive(tables, to);
      write(tables);
    }
  }

  private List<Table> read() throws IOException {
    List<Table> tables = new ArrayList<>();
    Table current = new Table(null, new ArrayList<>());
    tables.add(current);
    if (!Files.exists(file)) {
      return tables;
    }
    for (String line : Files.readAllLines(file)) {
      Matcher m = HEADER.matcher(line);
      if (m.matches()) {
        current = new Table(unquoteKey(m.group(1).trim()), new ArrayList<>());
        tables.add(current);
      }
      current.lines().add(line);
    }
    return tables;
  }

  private static List<Table> withoutDestinations(List<Table> tables, Set<String> names) {
    List<Table> kept = new ArrayList<>();
    for (Table table : tables) {
      if (destination(table).filter(names::contains).isEmpty()) {
        kept.add(table);
      }
    }
    return kept;
  }

  private static Optional<String> destination(Table table) {
    String name = table.name();
    if (name != null && name.startsWith(DESTINATIONS) && name.length() > DESTINATIONS.length()) {
      return Optional.of(name.substring(DESTINATIONS.length()));
    }
    return Optional.empty();
  }

  private static void setActive(List<Table> tables, String name) {
    String line = "  active_service = " + quote(name);
    for (Table table : tables) {
      if ("engine".equals(table.name())) {
        List<String> lines = table.lines();
        for (int i = 0; i < lines.size(); i++) {
          if (ACTIVE.matcher(lines.get(i)).matches()) {
            lines.set(i, line);
            return;
          }
        }
        lines.add(1, line);
        return;
      }
    }
    tables.add(new Table("engine", new ArrayList<>(List.of("[engine]", line))));
  }

  private void write(List<Table> tables) throws IOException {
    StringBuilder out = new StringBuilder();
    for (Table table : tables) {
      for (String line : table.lines()) {
        out.append(line).append('\n');
      }
    }
    AtomicFiles.write(file, out.toString(), PosixFilePermissions.fromString("rw-r--r--"));
  }

  /** Normalises a dotted table name so a quoted and a bare spelling of one key compare equal. */
  private static String unquoteKey(String dotted) {
    StringBuilder out = new StringBuilder();
    boolean quoted = false;
    for (char ch : dotted.toCharArray()) {
      if (ch == '"') {
        quoted = !quoted;
      } else if (quoted || !Character.isWhitespace(ch)) {
        out.append(ch);
      }
    }
    return out.toString();
  }

  private static String key(String name) {
    return BARE_KEY.matcher(name).matches() ? name : quote(name);
  }

  private static String quote(String value) {
    return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
  }
}
