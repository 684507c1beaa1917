package dev.berth.machine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.BerthException;
import dev.berth.Json;
import dev.berth.os.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The machine descriptions on disk: one directory per machine under the config directory, holding
 * {@value #DESCRIPTION} (the commit point: a machine exists when its description does), its
 * Ignition file and its key pair.
 */
public final class MachineStore {
  public static final String DESCRIPTION = "machine.json";

  private final BerthDirs dirs;

  public MachineStore(BerthDirs dirs) {
    this.dirs = dirs;
  }

  /** One entry of {@link #list()}: a description, or the error that kept it from being read. */
  public record Entry(String name, Path file, MachineConfig config, BerthException error) {
    public boolean readable() {
      return config != null;
    }
  }

  public BerthDirs dirs() {
    return dirs;
  }

  public Path descriptionFile(String name) {
    return dirs.machineConfig(name).resolve(DESCRIPTION);
  }

  public boolean exists(String name) {
    return Files.exists(descriptionFile(name));
  }

  /** Every machine, sorted by name; an unreadable description is reported, not fatal. */
  public List<Entry> list() {
    Path root = dirs.machinesConfig();
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    List<Entry> entries = new ArrayList<>();
    try (Stream<Path> children = Files.list(root)) {
      for (Path dir : children.sorted().toList()) {
        String name = dir.getFileName().toString();
        Path file = dir.resolve(DESCRIPTION);
        // Staging directories start with a dot; a name init would refuse is none of Berth's.
        if (!MachineName.isValid(name) || !Files.exists(file)) {
          continue;
        }
        try {
          entries.add(new Entry(name, file, parse(name, file), null));
        } catch (BerthException e) {
          entries.add(new Entry(name, file, null, e));
        }
      }
    } catch (IOException e) {
      throw new BerthException("cannot list machines in " + root + ": " + e.getMessage(), null, e);
    }
    return entries;
  }

  /** The description of an existing machine. */
  public MachineConfig read(String name) {
    Path file = descriptionFile(name);
    if (!Files.exists(file)) {
      throw notFound(name);
    }
    return parse(name, file);
  }

  public static BerthException notFound(String name) {
    return new BerthException(
        "machine \"" + name + "\" does not exist",
        "list machines with: berth list; create one with: berth init " + name);
  }

  /** Replaces the description atomically. */
  public void write(MachineConfig config) {
    write(descriptionFile(config.name()), config);
  }

  /** Writes a description to a file of the caller's choosing (a machine being created). */
  public static void write(Path file, MachineConfig config) {
    try {
      AtomicFiles.write(
          file,
          Json.mapper().writeValueAsBytes(config),
          PosixFilePermissions.fromString("rw-------"));
    } catch (IOException e) {
      throw new BerthException("cannot write " + file + ": " + e.getMessage(), null, e);
    }
  }

  private static MachineConfig parse(String name, Path file) {
    try {
      JsonNode tree = Json.mapper().readTree(Files.readAllBytes(file));
      if (tree == null || !tree.isObject()) {
        throw new BerthException(
            "machine description " + file + " is not a JSON object", removeHint(name));
      }
      int version = tree.path("SchemaVersion").asInt(0);
      if (version > MachineConfig.SCHEMA_VERSION) {
        throw new BerthException(
            "machine description "
                + file
                + " has schema version "
                + version
                + ", newer than this berth understands ("
                + MachineConfig.SCHEMA_VERSION
                + ")",
            "use a newer berth");
      }
      if (version < 1) {
        throw new BerthException(
            "machine description " + file + " has no valid SchemaVersion", removeHint(name));
      }
      MachineConfig config = Json.mapper().treeToValue(tree, MachineConfig.class);
      Optional<String> missing = config.missingField();
      if (missing.isPresent()) {
        throw new BerthException(
            "machine \"" + name + "\": its description " + file + " lacks " + missing.get(),
            removeHint(name));
      }
      if (!name.equals(config.name())) {
        throw new BerthException(
            "machine description "
                + file
                + " names machine \""
                + config.name()
                + "\", not \""
                + name
                + "\"",
            removeHint(name));
      }
      return config;
    } catch (JsonProcessingException e) {
      throw new BerthException(
          "machine description " + file + " is corrupt: " + e.getOriginalMessage(),
          removeHint(name));
    } catch (NoSuchFileException e) {
      throw notFound(name);
    } catch (IOException e) {
      throw new BerthException(
          "cannot read machine description " + file + ": " + e.getMessage(), null, e);
    }
  }

  private static String removeHint(String name) {
    return "fix the file by hand, or remove the machine with: berth rm -f " + name;
  }
}
