package dev.berth.cli;

import static dev.berth.cli.CliRun.assertError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.os.Host;
import dev.berth.testing.TestHosts;
import dev.berth.testing.TreeSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI verbs that need no running machine, for real: real qemu-img, real files, real podman. */
class CliIT {
  @TempDir Path dir;

  private Host host;
  private Path base;
  private Path src;

  @BeforeEach
  void setUp() throws Exception {
    host = TestHosts.ownedUnder(dir);
    Files.createDirectories(host.home());
    src = Files.createDirectories(dir.resolve("src"));
    base = dir.resolve("base.qcow2");
    assertThat(exec("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "1G").code)
        .isZero();
  }

  private CliRun berth(String... args) {
    return CliRun.run(host, args);
  }

  private record Exec(int code, String out) {}

  private static Exec exec(String... argv) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Exec(p.exitValue(), out);
  }

  @Test
  void initListInspectSetRm_likePodmanMachine() throws Exception {
    List<String> before = TreeSnapshot.of(dir);

    CliRun init =
        berth(
            "init",
            "--image",
            base.toString(),
            "--disk-size",
            "5",
            "--cpus",
            "2",
            "-m",
            "1024",
            "-v",
            src + ":/src:ro",
            "dev");
    assertThat(init.exitCode()).as(init.toString()).isZero();
    assertThat(init.out()).contains("Machine init complete").contains("berth start dev");

    CliRun list = berth("list");
    assertThat(list.out().lines().toList())
        .first()
        .asString()
        .matches("NAME\\s+VM TYPE\\s+CREATED\\s+LAST UP\\s+CPUS\\s+MEMORY\\s+DISK SIZE");
    assertThat(list.out())
        .containsPattern(
            "dev\\*\\s+qemu\\s+(Less than a second|\\d+ seconds) ago\\s+Never\\s+2\\s+1GiB\\s+5GiB");
    assertThat(berth("ls", "-q").out()).isEqualTo("dev\n");
    assertThat(berth("ls", "-n").out()).doesNotContain("NAME");
    assertThat(berth("ls", "--format", "{{.Name}} {{.CPUs}} {{.Running}}").out())
        .isEqualTo("dev 2 false\n");

    JsonNode json = new ObjectMapper().readTree(berth("list", "--format", "json").out());
    assertThat(json.get(0).get("Name").asText()).isEqualTo("dev");
    assertThat(json.get(0).get("Default").asBoolean()).isTrue();
    assertThat(json.get(0).get("Memory").asText()).isEqualTo("1073741824");
    assertThat(json.get(0).get("DiskSize").asText()).isEqualTo("5368709120");
    assertThat(json.get(0).get("LastUp").asText()).isEqualTo("0001-01-01T00:00:00Z");

    JsonNode inspect = new ObjectMapper().readTree(berth("inspect", "dev").out());
    JsonNode machine = inspect.get(0);
    assertThat(machine.at("/State").asText()).isEqualTo("stopped");
    assertThat(machine.at("/Resources/DiskSize").asLong()).isEqualTo(5);
    assertThat(machine.at("/SSHConfig/RemoteUsername").asText()).isEqualTo("core");
    assertThat(machine.at("/Mounts/0/Target").asText()).isEqualTo("/src");
    assertThat(machine.at("/Mounts/0/ReadOnly").asBoolean()).isTrue();
    assertThat(
            berth("inspect", "--format", "{{.ConnectionInfo.PodmanSocket.Path}}", "dev")
                .out()
                .strip())
        .isEqualTo(dir.resolve("berth/run/dev/podman.sock").toString());

    Path key = Path.of(machine.at("/SSHConfig/IdentityPath").asText());
    assertThat(Files.getPosixFilePermissions(key)).hasSize(2);
    Exec publicKey = exec("ssh-keygen", "-y", "-f", key.toString());
    assertThat(publicKey.code).as(publicKey.out).isZero();
    assertThat(Files.readString(Path.of(key + ".pub"))).startsWith(publicKey.out.strip());

    Path ignition = Path.of(machine.at("/Image/IgnitionFilePath/Path").asText());
    Exec validate = exec("ignition-validate", ignition.toString());
    assertThat(validate.code).as(validate.out).isZero();

    CliRun set = berth("set", "--cpus", "1", "--disk-size", "7", "dev");
    assertThat(set.exitCode()).as(set.toString()).isZero();
    Path disk = Path.of(machine.at("/Image/ImagePath/Path").asText());
    JsonNode diskInfo =
        new ObjectMapper().readTree(exec("qemu-img", "info", "--output=json", disk.toString()).out);
    assertThat(diskInfo.get("virtual-size").asLong()).isEqualTo(7L << 30);
    assertThat(diskInfo.get("backing-filename").asText())
        .startsWith(dir.resolve("berth/data/images").toString());
    assertError(berth("set", "--disk-size", "6", "dev"), "can only grow");
    assertError(berth("set", "--cpus", "99", "dev"), "CPUs");

    CliRun declined = CliRun.withInput(host, "n\n", "rm", "dev");
    assertThat(declined.exitCode()).isZero();
    assertThat(declined.out())
        .contains("The following files will be deleted:")
        .contains(disk.toString());
    assertThat(berth("ls", "-q").out()).isEqualTo("dev\n");

    CliRun rm = CliRun.withInput(host, "y\n", "rm", "dev");
    assertThat(rm.exitCode()).as(rm.toString()).isZero();
    assertThat(berth("ls", "-q").out()).isEmpty();

    List<String> after = new ArrayList<>(TreeSnapshot.of(dir));
    after.removeIf(
        p ->
            p.startsWith("berth/data/images")
                || p.startsWith("berth/data/locks")
                || p.equals("berth")
                || p.equals("berth/data")
                || p.equals("berth/config")
                || p.equals("berth/config/machines")
                || p.equals("berth/data/machines")
                || p.startsWith("xdg-config")
                // the runtime base, checked by rm's stop, stays as the locks directory does;
                // docker's own
                // layout stays empty once the machine's context is gone, as `docker context rm`
                // leaves it
                || p.equals("berth/run")
                || (p.startsWith("home/.docker") && Files.isDirectory(dir.resolve(p))));
    assertThat(after).containsExactlyElementsOf(before);
  }

  @Test
  void badInput_exit125WithClearError_andNothingWritten() throws Exception {
    Files.writeString(dir.resolve("not-an-image"), "hello");
    List<String> before = TreeSnapshot.of(dir);
    assertError(berth("init", "--image", base.toString(), "bad/name"), "invalid machine name");
    assertError(berth("init", "--image", base.toString(), "x".repeat(31)), "31 characters");
    assertError(berth("init", "--image", base.toString(), "--cpus", "0"), "CPUs");
    assertError(berth("init", "--image", base.toString(), "--memory", "100"), "100 MiB");
    assertError(berth("init", "--image", base.toString(), "--disk-size", "0"), "disk size");
    assertError(berth("init", "--image", dir.resolve("nope.qcow2").toString()), "does not exist");
    assertError(berth("init", "--image", base.toString(), "-v", "/no/such:/x"), "does not exist");
    assertError(berth("init", "--image", base.toString(), "-v", src + ":/etc"), "system directory");
    assertError(berth("init", "--image", base.toString(), "-v", src + ":rel"), "absolute");
    assertError(
        berth("init", "--image", base.toString(), "--timezone", "Nowhere/City"), "time zone");
    assertError(
        berth("init", "--image", base.toString(), "--ignition-path", "/no.ign"), "does not exist");
    assertError(berth("init", "--cpus", "many"), "Invalid value");
    assertError(berth("init", "--bogus"), "Unknown option");
    assertError(berth("inspect", "ghost"), "machine \"ghost\" does not exist");
    assertError(berth("rm", "-f", "ghost"), "does not exist");
    assertError(berth("set", "--cpus", "1", "ghost"), "does not exist");
    assertError(berth("--log-level", "loud", "list"), "invalid log level");
    List<String> after = new ArrayList<>(TreeSnapshot.of(dir));
    after.removeIf(p -> p.startsWith("berth") || p.startsWith("xdg-config"));
    assertThat(after).containsExactlyElementsOf(before);
    assertThat(TreeSnapshot.of(dir.resolve("berth/config"))).isEmpty();
    assertThat(TreeSnapshot.of(dir.resolve("berth/data/machines"))).isEmpty();
  }

  @Test
  void imageTooBigForDisk_refused_andCacheKept() throws Exception {
    Path big = dir.resolve("big.qcow2");
    exec("qemu-img", "create", "-q", "-f", "qcow2", big.toString(), "12G");
    assertError(
        berth("init", "--image", big.toString(), "--disk-size", "10"),
        "smaller than the image (12 GiB)");
    assertThat(berth("ls", "-q").out()).isEmpty();
    assertThat(TreeSnapshot.of(dir.resolve("berth/data/machines"))).isSubsetOf("");
    assertThat(TreeSnapshot.of(dir.resolve("berth/data/images")))
        .anyMatch(p -> p.endsWith(".qcow2"));
  }

  @Test
  void lifecycleVerbs_onStoppedOrMissingMachines() {
    berth("init", "--image", base.toString(), "m");
    CliRun stop = berth("stop", "m");
    assertThat(stop.exitCode()).as(stop.toString()).isZero();
    assertThat(stop.out()).isEqualTo("Machine \"m\" stopped successfully\n");
    assertError(berth("ssh", "m", "uname", "-a"), "machine \"m\" is not running");
    assertError(berth("start", "ghost"), "machine \"ghost\" does not exist");
    assertError(berth("stop", "ghost"), "machine \"ghost\" does not exist");
    assertError(berth("start", "--timeout", "soon", "m"), "Invalid value");
    assertError(berth("start", "--network", "tap", "m"), "unknown network \"tap\": use berth");
    assertError(berth("ports", "m"), "machine \"m\" is not running");
    assertError(berth("ports", "ghost"), "machine \"ghost\" does not exist");
  }

  @Test
  void corruptDescription_listShowsTheOthers_inspectNamesTheFile() throws Exception {
    berth("init", "--image", base.toString(), "good");
    berth("init", "--image", base.toString(), "bad");
    Path file = dir.resolve("berth/config/machines/bad/machine.json");
    Files.writeString(file, "{ not json");
    CliRun list = berth("ls", "-q");
    assertThat(list.exitCode()).isZero();
    assertThat(list.out()).isEqualTo("good\n");
    assertThat(list.err()).contains("skipping machine \"bad\"").contains(file.toString());
    assertError(berth("inspect", "bad"), file.toString());
    CliRun rm = berth("rm", "-f", "bad");
    assertThat(rm.exitCode()).as(rm.toString()).isZero();
    assertThat(dir.resolve("berth/config/machines/bad")).doesNotExist();
  }

  @Test
  void info_yamlAndJson() throws Exception {
    berth("init", "--image", base.toString());
    CliRun yaml = berth("info");
    assertThat(yaml.out())
        .contains("host:\n  arch: amd64\n")
        .contains("  defaultmachine: berth-default\n")
        .contains("  numberofmachines: 1\n")
        .contains("  vmtype: qemu\n");
    JsonNode json = new ObjectMapper().readTree(berth("info", "--format", "json").out());
    assertThat(json.at("/Host/MachineConfigDir/Path").asText())
        .isEqualTo(dir.resolve("berth/config/machines").toString());
    assertThat(berth("info", "-f", "{{.Host.NumberOfMachines}}").out()).isEqualTo("1\n");
  }

  @Test
  void reset_removesAllMachinesAndFiles() {
    berth("init", "--image", base.toString(), "a");
    berth("init", "--image", base.toString(), "b");
    assertThat(CliRun.withInput(host, "no\n", "reset").out()).contains("a\nb\n");
    assertThat(berth("ls", "-q").out()).isEqualTo("a\nb\n");
    CliRun reset = berth("reset", "-f");
    assertThat(reset.exitCode()).as(reset.toString()).isZero();
    assertThat(berth("ls", "-q").out()).isEmpty();
    assertThat(dir.resolve("berth/config")).doesNotExist();
    assertThat(dir.resolve("berth/data/images")).doesNotExist();
  }

  /**
   * Debian's podman 4.3.1 as an ordinary user (as root it reads no per-user file) must list the
   * machine's connections from the containers.conf Berth wrote.
   */
  @Test
  void podmanClient_listsTheConnections() throws Exception {
    berth("init", "--image", base.toString(), "conn");
    Path podmanHome = Files.createTempDirectory("berth-podman-home");
    try {
      Path containers = Files.createDirectories(podmanHome.resolve(".config/containers"));
      Files.copy(
          dir.resolve("xdg-config/containers/containers.conf"),
          containers.resolve("containers.conf"));
      exec("chown", "-R", "nobody", podmanHome.toString());
      Exec list =
          exec(
              "runuser",
              "-u",
              "nobody",
              "--",
              "env",
              "HOME=" + podmanHome,
              "XDG_CONFIG_HOME=" + podmanHome.resolve(".config"),
              "XDG_RUNTIME_DIR=" + podmanHome,
              "podman",
              "system",
              "connection",
              "list",
              "--format",
              "{{.Name}} {{.URI}} {{.Default}}");
      assertThat(list.code).as(list.out).isZero();
      int port =
          new ObjectMapper()
              .readTree(berth("inspect", "conn").out())
              .at("/0/SSHConfig/Port")
              .asInt();
      assertThat(list.out)
          .contains("conn ssh://core@127.0.0.1:" + port + "/run/user/1000/podman/podman.sock true")
          .contains("conn-root ssh://root@127.0.0.1:" + port + "/run/podman/podman.sock false");
    } finally {
      exec("rm", "-rf", podmanHome.toString());
    }
  }
}
