package dev.berth.connection;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.BerthException;
import dev.berth.Json;
import dev.berth.os.AtomicFiles;
import dev.berth.os.Host;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Set;

/**
 * The docker CLI contexts of Berth's machines, {@code berth-NAME}, in the docker CLI's own store:
 * {@code $DOCKER_CONFIG} (default {@code ~/.docker}) {@code /contexts/meta/<sha256 of the
 * name>/meta.json}, written as {@code docker context create NAME --description D --docker
 * host=unix://SOCKET} writes it. A context of that name is Berth's when its docker endpoint is the
 * machine's API socket; any other is the user's and is never replaced or removed. The current
 * context is {@code currentContext} in {@code config.json}, whose other members are kept.
 */
public final class DockerContexts {
  public static final String PREFIX = "berth-";
  private static final String CURRENT = "currentContext";
  private static final ObjectMapper MAPPER = Json.plain();
  private static final Set<PosixFilePermission> PRIVATE =
      PosixFilePermissions.fromString("rw-------");

  private final Path configDir;

  DockerContexts(Path configDir) {
    this.configDir = configDir.toAbsolutePath();
  }

  /**
   * The store the docker CLI of this host's user reads: {@code DOCKER_CONFIG} or {@code ~/.docker}.
   */
  public static DockerContexts of(Host host) {
    String dockerConfig = host.getenv("DOCKER_CONFIG");
    return new DockerContexts(
        dockerConfig != null ? Path.of(dockerConfig) : userHome(host).resolve(".docker"));
  }

  /** The home directory as the docker CLI finds it: {@code HOME} first, as Go's tools do. */
  static Path userHome(Host host) {
    String home = host.getenv("HOME");
    return home != null ? Path.of(home) : host.home();
  }

  public static String contextName(String machine) {
    return PREFIX + machine;
  }

  /** Throws when a context named for the machine exists and is not Berth's for this socket. */
  public void checkFree(String machine, Path socket) {
    String name = contextName(machine);
    Optional<String> host = endpointHost(name);
    if (host.isPresent() && !host.get().equals(uri(socket))) {
      throw new BerthException(
          "a docker context named \"" + name + "\" already exists (" + host.get() + ")",
          "pick another machine name, or remove it with: docker context rm " + name);
    }
  }

  /** Creates (or rewrites) the machine's context, after the same check as {@link #checkFree}. */
  public void add(String machine, Path socket) {
    checkFree(machine, socket);
    String name = contextName(machine);
    ObjectNode meta = MAPPER.createObjectNode();
    meta.put("Name", name);
    meta.putObject("Metadata").put("Description", "Berth machine " + machine);
    ObjectNode docker = meta.putObject("Endpoints").putObject("docker");
    docker.put("Host", uri(socket));
    docker.put("SkipTLSVerify", false);
    edit(
        () -> {
          createConfigDir();
          AtomicFiles.write(metaFile(name), goJson(meta), PRIVATE);
        });
  }

  /**
   * Removes the machine's context if it is Berth's, and makes the docker CLI's current context the
   * default again if it was this one (as {@code docker context rm --force} does).
   */
  public void remove(String machine, Path socket) {
    String name = contextName(machine);
    if (!endpointHost(name).map(uri(socket)::equals).orElse(false)) {
      return;
    }
    edit(
        () -> {
          if (current().map(name::equals).orElse(false)) {
            writeCurrent(null);
          }
          Path meta = metaFile(name);
          Files.deleteIfExists(meta);
          try (var rest = Files.list(meta.getParent())) {
            if (rest.findAny().isEmpty()) {
              Files.delete(meta.getParent());
            }
          }
        });
  }

  /** Makes the machine's context the docker CLI's current one ({@code docker context use}). */
  public void use(String machine) {
    edit(() -> writeCurrent(contextName(machine)));
  }

  /** The docker CLI's current context, when {@code config.json} names one. */
  public Optional<String> current() {
    try {
      String name = readConfig().path(CURRENT).asText("");
      return name.isEmpty() ? Optional.empty() : Optional.of(name);
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /** The docker endpoint of a context in the store, if the context exists. */
  Optional<String> endpointHost(String name) {
    Path meta = metaFile(name);
    if (!Files.exists(meta)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          MAPPER.readTree(meta.toFile()).path("Endpoints").path("docker").path("Host").asText(""));
    } catch (IOException e) {
      throw failure(e);
    }
  }

  Path metaFile(String name) {
    return configDir.resolve("contexts").resolve("meta").resolve(sha256(name)).resolve("meta.json");
  }

  Path configFile() {
    return configDir.resolve("config.json");
  }

  private void writeCurrent(String name) throws IOException {
    ObjectNode config = readConfig();
    if (name == null) {
      if (!config.has(CURRENT)) {
        return;
      }
      config.remove(CURRENT);
    } else {
      config.put(CURRENT, name);
    }
    // The docker CLI follows a linked config.json (dotfile managers link it) and keeps its mode.
    Path file = configFile();
    Path target = Files.isSymbolicLink(file) ? file.toRealPath() : file;
    Set<PosixFilePermission> mode =
        Files.exists(target) ? Files.getPosixFilePermissions(target) : PRIVATE;
    createConfigDir();
    AtomicFiles.write(target, indented(config), mode);
    Files.setPosixFilePermissions(target, mode);
  }

  /** Made as the docker CLI makes it, the user's alone. */
  private void createConfigDir() throws IOException {
    if (!Files.isDirectory(configDir)) {
      Files.createDirectories(
          configDir,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
  }

  private ObjectNode readConfig() throws IOException {
    return JsonObjectFile.read(configFile());
  }

  private static String uri(Path socket) {
    return "unix://" + socket.toAbsolutePath();
  }

  /** Go's {@code json.Marshal}: compact, no newline at the end, {@code <>&} escaped. */
  private static byte[] goJson(ObjectNode node) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator generator = MAPPER.getFactory().createGenerator(out)) {
      generator.setCharacterEscapes(GoEscapes.INSTANCE);
      MAPPER.writeTree(generator, node);
    }
    return out.toByteArray();
  }

  /** The docker CLI's {@code json.MarshalIndent(config, "", "\t")}. */
  private static byte[] indented(ObjectNode node) throws IOException {
    DefaultPrettyPrinter printer =
        new DefaultPrettyPrinter(
                Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
            .withObjectIndenter(new DefaultIndenter("\t", "\n"))
            .withArrayIndenter(new DefaultIndenter("\t", "\n"));
    return MAPPER.writer(printer).writeValueAsBytes(node);
  }

  private static String sha256(String name) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }

  private interface Edit {
    void run() throws IOException;
  }

  private void edit(Edit edit) {
    try {
      edit.run();
    } catch (IOException e) {
      throw failure(e);
    }
  }

  private BerthException failure(IOException e) {
    return new BerthException(
        "cannot update docker contexts in " + configDir + ": " + e.getMessage(),
        "check that the files there are valid and writable (DOCKER_CONFIG chooses the directory)",
        e);
  }

  /** The characters Go's encoder escapes beyond JSON's own: {@code < > &}. */
  private static final class GoEscapes extends CharacterEscapes {
    static final GoEscapes INSTANCE = new GoEscapes();
    private final int[] escapes = standardAsciiEscapesForJSON();

    private GoEscapes() {
      for (char c : new char[] {'<', '>', '&'}) {
        escapes[c] = CharacterEscapes.ESCAPE_CUSTOM;
      }
    }

    @Override
    public int[] getEscapeCodesForAscii() {
      return escapes;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return new SerializedString(String.format("\\u%04x", ch));
    }
  }
}
