package dev.berth.connection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.BerthException;
import dev.berth.testing.TestHosts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DockerContextsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path SOCKET = Path.of("/run/user/1000/berth/x/podman.sock");

  @TempDir Path dir;

  @Test
  void add_writesMetaJsonAsDockerContextCreateDoes() throws Exception {
    DockerContexts contexts = new DockerContexts(dir);
    contexts.add("x", SOCKET);

    // sha256("berth-x"); the bytes `docker context create berth-x --description "Berth machine x"
    // --docker host=unix:///run/user/1000/berth/x/podman.sock` writes (docker 28.2)
    Path meta =
        dir.resolve(
            "contexts/meta/d572554fa15f245d5e6d5d57895b4841116de864d6b9c9944afc4a2f532e5ed4/meta.json");
    assertThat(Files.readString(meta))
        .isEqualTo(
            "{\"Name\":\"berth-x\",\"Metadata\":{\"Description\":\"Berth machine x\"},"
                + "\"Endpoints\":{\"docker\":{\"Host\":\"unix:///run/user/1000/berth/x/podman.sock\","
                + "\"SkipTLSVerify\":false}}}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(meta)))
        .isEqualTo("rw-------");
    assertThat(contexts.current()).isEmpty();
    assertThat(dir.resolve("config.json")).doesNotExist();
  }

  @Test
  void add_escapesAsGoDoes() throws Exception {
    DockerContexts contexts = new DockerContexts(dir);
    contexts.add("x", Path.of("/tmp/a&b<c>/podman.sock"));
    assertThat(Files.readString(contexts.metaFile("berth-x")))
        .contains("\"Host\":\"unix:///tmp/a\\u0026b\\u003cc\\u003e/podman.sock\"");
  }

  @Test
  void sameBytesAsTheDockerCli_whichReadsOurs() throws Exception {
    Path docker = Path.of("/usr/local/bin/docker");
    if (!Files.isExecutable(docker)) {
      docker = Path.of("/usr/bin/docker");
    }
    assumeTrue(
        Files.isExecutable(docker), "no docker CLI at /usr/local/bin or /usr/bin to compare with");
    Path theirs = dir.resolve("theirs");
    run(
        docker,
        theirs,
        "context",
        "create",
        "berth-x",
        "--description",
        "Berth machine x",
        "--docker",
        "host=unix://" + SOCKET);
    DockerContexts ours = new DockerContexts(dir.resolve("ours"));
    ours.add("x", SOCKET);
    Path theirsMeta = new DockerContexts(theirs).metaFile("berth-x");
    assertThat(Files.readAllBytes(ours.metaFile("berth-x")))
        .isEqualTo(Files.readAllBytes(theirsMeta));

    ours.use("x");
    assertThat(
            run(
                docker,
                dir.resolve("ours"),
                "context",
                "inspect",
                "--format",
                "{{.Endpoints.docker.Host}}"))
        .isEqualTo("unix://" + SOCKET + "\n");
    assertThat(run(docker, dir.resolve("ours"), "context", "show")).isEqualTo("berth-x\n");
  }

  private static String run(Path docker, Path config, String... args) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(docker.toString());
    pb.command().addAll(java.util.List.of(args));
    pb.environment().put("DOCKER_CONFIG", config.toString());
    pb.environment().remove("DOCKER_HOST");
    pb.environment().remove("DOCKER_CONTEXT");
    Process p = pb.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out;
  }

  @Test
  void of_honoursDockerConfig_elseHomeDotDocker() {
    Path custom = dir.resolve("custom");
    DockerContexts.of(TestHosts.under(dir, Map.of("DOCKER_CONFIG", custom.toString())))
        .add("x", SOCKET);
    assertThat(new DockerContexts(custom).endpointHost("berth-x")).contains("unix://" + SOCKET);

    DockerContexts.of(TestHosts.under(dir, Map.of("HOME", dir.resolve("h").toString())))
        .add("y", SOCKET);
    assertThat(new DockerContexts(dir.resolve("h/.docker")).endpointHost("berth-y")).isPresent();

    DockerContexts.of(TestHosts.under(dir)).add("z", SOCKET);
    assertThat(new DockerContexts(dir.resolve("home/.docker")).endpointHost("berth-z")).isPresent();
  }

  @Test
  void use_setsCurrentContext_keepingEveryOtherMemberAndTheFileMode() throws Exception {
    Path config = dir.resolve("config.json");
    String original =
        "{\"auths\":{\"registry.example\":{\"auth\":\"c2VjcmV0\"}},\"credsStore\":\"pass\","
            + "\"currentContext\":\"other\",\"plugins\":{\"x\":{\"y\":\"z\"}},\"detachKeys\":\"ctrl-e\"}";
    Files.writeString(config, original);
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r-----"));
    DockerContexts contexts = new DockerContexts(dir);
    contexts.add("x", SOCKET);

    contexts.use("x");

    JsonNode expected = MAPPER.readTree(original);
    ((com.fasterxml.jackson.databind.node.ObjectNode) expected).put("currentContext", "berth-x");
    assertThat(MAPPER.readTree(config.toFile())).isEqualTo(expected);
    assertThat(Files.readString(config)).startsWith("{\n\t\"auths\": {");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
        .isEqualTo("rw-r-----");
    assertThat(contexts.current()).contains("berth-x");
  }

  @Test
  void use_withNoConfigFile_writesOneTheUsersAlone() throws Exception {
    DockerContexts contexts = new DockerContexts(dir.resolve("new"));
    contexts.add("x", SOCKET);
    contexts.use("x");
    Path config = dir.resolve("new/config.json");
    assertThat(MAPPER.readTree(config.toFile()).path("currentContext").asText())
        .isEqualTo("berth-x");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("new"))))
        .isEqualTo("rwx------");
  }

  @Test
  void use_followsALinkedConfigFile() throws Exception {
    Path real = Files.writeString(dir.resolve("dotfiles-config.json"), "{\"auths\":{}}");
    Files.createSymbolicLink(dir.resolve("config.json"), real);
    DockerContexts contexts = new DockerContexts(dir);
    contexts.use("x");
    assertThat(dir.resolve("config.json")).isSymbolicLink();
    assertThat(MAPPER.readTree(real.toFile()).path("currentContext").asText()).isEqualTo("berth-x");
  }

  @Test
  void aContextOfTheSameNameThatIsNotBerths_isRefusedAndNeverRemoved() throws Exception {
    DockerContexts contexts = new DockerContexts(dir);
    contexts.add("x", Path.of("/elsewhere/docker.sock"));
    Path meta = contexts.metaFile("berth-x");
    byte[] before = Files.readAllBytes(meta);

    assertThatThrownBy(() -> contexts.add("x", SOCKET))
        .isInstanceOf(BerthException.class)
        .hasMessage(
            "a docker context named \"berth-x\" already exists (unix:///elsewhere/docker.sock)")
        .satisfies(
            e ->
                assertThat(((BerthException) e).hint())
                    .contains(
                        "pick another machine name, or remove it with: docker context rm berth-x"));
    assertThatThrownBy(() -> contexts.checkFree("x", SOCKET)).isInstanceOf(BerthException.class);
    contexts.remove("x", SOCKET);

    assertThat(Files.readAllBytes(meta)).isEqualTo(before);
  }

  @Test
  void remove_deletesTheContext_andTheCurrentContextIfItWasThisOne() throws Exception {
    Path config = dir.resolve("config.json");
    Files.writeString(config, "{\"auths\":{},\"currentContext\":\"other\"}");
    DockerContexts contexts = new DockerContexts(dir);
    contexts.add("x", SOCKET);
    contexts.add("y", SOCKET.resolveSibling("y.sock"));

    contexts.remove("x", SOCKET);
    assertThat(contexts.metaFile("berth-x").getParent()).doesNotExist();
    assertThat(contexts.current()).contains("other");

    contexts.use("y");
    contexts.remove("y", SOCKET.resolveSibling("y.sock"));
    assertThat(contexts.current()).isEmpty();
    assertThat(MAPPER.readTree(config.toFile()).has("auths")).isTrue();
    assertThat(dir.resolve("contexts/meta")).isEmptyDirectory();
  }

  @Test
  void anUnreadableConfigFile_isAnErrorThatNamesIt() throws Exception {
    Files.writeString(dir.resolve("config.json"), "[1]");
    assertThatThrownBy(() -> new DockerContexts(dir).use("x"))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("config.json is not a JSON object");
  }
}
