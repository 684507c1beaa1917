package dev.berth.connection;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** One file in which podman looks for system connections. Edits touch nothing else in it. */
interface ConnectionFile {
  /** Names of the connections in the file. */
  Set<String> names() throws IOException;

  /** The default connection's name, if one is set. */
  Optional<String> defaultName() throws IOException;

  /**
   * Adds or replaces the connections; the first becomes the default when none is set, as podman
   * does.
   */
  void add(List<Connection> connections) throws IOException;

  /** Removes the named connections; a removed default passes to {@code fallback} if it exists. */
  void remove(Set<String> names, String fallback) throws IOException;

  /** Makes {@code to} the default if the default is now {@code from}. */
  void switchDefault(String from, String to) throws IOException;
}
