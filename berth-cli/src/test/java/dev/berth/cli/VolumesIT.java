package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Host directories in a machine, for real: one machine of an ordinary user (QEMU runs as that user,
 * as podman machine's does) with a read-write and a read-only 9p volume. The same file operations
 * (volume-checks.sh) run from the guest over {@code berth ssh} and from a rootless container
 * started through the host API socket with {@code -v}; the test checks what each reports and what
 * the host sees.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class VolumesIT {
  private static final String USER = "berth-vol";
  private static final String NAME = "vols";
  private static final long FOUR_GIB = 4L << 30;
  private static final long FIVE_GIB = 5L << 30;
  private static final String UTF8_NAME = "with space \u00e9\u2713.txt";
  private static Path dir;
  private static Path rw;
  private static Path ro;
  private static OrdinaryUser user;
  private static int uid;

  @BeforeAll
  static void setUp() throws Exception {
    user = OrdinaryUser.ensure(USER);
    uid = user.uid();
    dir = Files.createTempDirectory("berth-volumes-");
    rw = Files.createDirectories(dir.resolve("rw"));
    ro = Files.createDirectories(dir.resolve("ro"));
    Files.writeString(ro.resolve("hello.txt"), "read me\n");
    Files.writeString(rw.resolve("host.txt"), "from the host\n");
    Files.writeString(rw.resolve(UTF8_NAME), "named on the host\n");
    try (RandomAccessFile big = new RandomAccessFile(rw.resolve("hostbig").toFile(), "rw")) {
      big.seek(FIVE_GIB);
      big.write("HOST5GIB!!".getBytes(StandardCharsets.US_ASCII));
    }
    try (InputStream checks = VolumesIT.class.getResourceAsStream("/volume-checks.sh")) {
      Files.copy(checks, rw.resolve("checks.sh"));
    }
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    assertThat(Exec.run(Map.of(), List.of("chown", "-R", USER + ":", dir.toString())).code())
        .isZero();
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (dir != null) {
      berth("rm", "-f", NAME);
      Exec.run(Map.of(), List.of("rm", "-rf", dir.toString()));
    }
  }

  private static Exec berth(String... args) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "BERTH_HOME=" + dir.resolve("berth"),
                "XDG_CONFIG_HOME=" + dir.resolve("xdg"),
                GuestImage.root().resolve("bin/berth").toString()));
    command.addAll(List.of(args));
    return user.run(command.toArray(String[]::new));
  }

  private static Exec ssh(String command) throws Exception {
    return berth("ssh", NAME, command);
  }

  private static Exec podman(String... args) throws Exception {
    Path socket = dir.resolve("berth/run/" + NAME + "/podman.sock");
    List<String> argv = new ArrayList<>(List.of("podman", "--url", "unix://" + socket));
    argv.addAll(List.of(args));
    return Exec.run(Map.of(), argv);
  }

  private static Map<String, String> results(Exec run) {
    assertThat(run.code()).as(run.out()).isZero();
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : run.out().split("\r?\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        values.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    assertThat(values).as(run.out()).containsEntry("done", "ok");
    return values;
  }

  private static int owner(Path path) throws Exception {
    return (Integer) Files.getAttribute(path, "unix:uid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
  }

  /** What both the guest and a container must report, and what the host then sees in DIR. */
  private static void assertChecks(Map<String, String> r, Path actor, String actorPath)
      throws Exception {
    assertThat(r).containsEntry("created", "0");
    assertThat(owner(actor.resolve("created"))).as("owner on the host").isEqualTo(uid);

    assertThat(r)
        .containsEntry("rel", "target")
        .containsEntry("abs", "target")
        .containsEntry("readlink", "target");
    assertThat(Files.readSymbolicLink(actor.resolve("rel"))).isEqualTo(Path.of("target"));
    assertThat(Files.readSymbolicLink(actor.resolve("abs")))
        .isEqualTo(Path.of(actorPath + "/target"));

    assertThat(r).containsEntry("nlink", "2").containsEntry("hardcontent", "hard more ");
    assertThat(Files.getAttribute(actor.resolve("h1"), "unix:ino"))
        .isEqualTo(Files.getAttribute(actor.resolve("h2"), "unix:ino"));
    assertThat(Files.getAttribute(actor.resolve("h1"), "unix:nlink")).isEqualTo(2);

    assertThat(r)
        .containsEntry("renamed", "moved")
        .containsEntry("renamedgone", "1")
        .containsEntry("dirrenamed", "deep");
    assertThat(actor.resolve("from/m")).doesNotExist();
    assertThat(actor.resolve("to/sub/f")).hasContent("deep");

    assertThat(r).containsEntry("mode", "751");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(actor.resolve("mode"))))
        .isEqualTo("rwxr-x--x");

    long mtime = Instant.parse("2001-02-03T04:05:06Z").getEpochSecond();
    assertThat(r).containsEntry("mtime", Long.toString(mtime));
    assertThat(Files.getLastModifiedTime(actor.resolve("mtime")))
        .isEqualTo(FileTime.from(Instant.ofEpochSecond(mtime)));

    assertThat(r)
        .containsEntry("bigsize", Long.toString(FOUR_GIB + 4))
        .containsEntry("bigread", "ACROSS4G")
        .containsEntry("hostbig", "HOST5GIB!!");
    assertThat(Files.size(actor.resolve("big"))).isEqualTo(FOUR_GIB + 4);
    try (RandomAccessFile big = new RandomAccessFile(actor.resolve("big").toFile(), "r")) {
      byte[] marker = new byte[8];
      big.seek(FOUR_GIB - 4);
      big.readFully(marker);
      assertThat(new String(marker, StandardCharsets.US_ASCII)).isEqualTo("ACROSS4G");
    }

    assertThat(r).containsEntry("utf8", "utf").containsEntry("utf8host", "named on the host");
    // Listed by a host program, not by java.nio: the JVM's file-name encoding depends on its
    // locale.
    Exec names =
        Exec.run(
            Map.of(),
            List.of(
                "find", actor.toString(), "-maxdepth", "1", "-name", "with*", "-printf", "%f\\n"));
    assertThat(names.out().strip()).isEqualTo(UTF8_NAME);

    assertThat(r)
        .containsEntry("openread", "still-here")
        .containsEntry("opengone", "1")
        .containsEntry("openwrite", "0");
    assertThat(actor.resolve("open")).doesNotExist();
    assertThat(actor.resolve("wopen")).doesNotExist();

    assertThat(r).doesNotContainEntry("rotouch", "0").containsEntry("roread", "read me");
    assertThat(r.get("roerror")).contains("Read-only file system");
    assertThat(ro.resolve("refused")).doesNotExist();

    assertThat(r).containsEntry("hostread", "from the host").containsEntry("hostwrite", "0");
    assertThat(Files.readString(rw.resolve("host.txt"))).contains("appended from " + actorPath);
  }

  @Test
  @Order(1)
  void initAndStart_mountVolumesAtBoot() throws Exception {
    Exec init =
        berth(
            "init",
            "--image",
            GuestImage.stream().toString(),
            "--disk-size",
            "10",
            "--cpus",
            "2",
            "-v",
            rw + ":/mnt/rw",
            "-v",
            ro + ":/mnt/ro:ro",
            NAME);
    assertThat(init.code()).as(init.out()).isZero();
    Exec start = berth("start", NAME);
    assertThat(start.code()).as(start.out()).isZero();
    Exec units = ssh("systemctl is-active mnt-rw.mount mnt-ro.mount");
    assertThat(units.out().replace("\r", "").strip())
        .as("mounted at boot by the Ignition mount units")
        .isEqualTo("active\nactive");
    Exec mounts = ssh("findmnt -rn -t 9p -o TARGET,SOURCE,OPTIONS");
    assertThat(mounts.out())
        .containsPattern("/mnt/rw vol0 rw,.*msize=512000")
        .containsPattern("/mnt/ro vol1 ro,.*msize=512000");
  }

  @Test
  @Order(2)
  void fromTheGuest_everyOperationWorks_andTheHostSeesIt() throws Exception {
    assertChecks(
        results(ssh("sh /mnt/rw/checks.sh /mnt/rw/guest /mnt/ro")),
        rw.resolve("guest"),
        "/mnt/rw/guest");
    assertThat(ssh("sudo sh -c 'echo root >/mnt/rw/guest/byroot'").code()).isZero();
    assertThat(owner(rw.resolve("guest/byroot"))).as("a file the guest's root made").isEqualTo(uid);
  }

  @Test
  @Order(3)
  void fromARootlessContainer_throughTheApiSocket() throws Exception {
    Exec load = podman("load", "-i", GuestImage.busyboxHttpd().toString());
    assertThat(load.code()).as(load.out()).isZero();
    Exec run =
        podman(
            "run",
            "--rm",
            "-v",
            "/mnt/rw:/data",
            "-v",
            "/mnt/ro:/ro",
            "--entrypoint",
            "/bin/busybox",
            "localhost/busybox-httpd",
            "sh",
            "/data/checks.sh",
            "/data/ctr",
            "/ro",
            "/bin/busybox");
    assertChecks(results(run), rw.resolve("ctr"), "/data/ctr");
    Exec other =
        podman(
            "run",
            "--rm",
            "--user",
            "1234:1234",
            "-v",
            "/mnt/rw:/data",
            "--entrypoint",
            "/bin/busybox",
            "localhost/busybox-httpd",
            "sh",
            "-c",
            "echo x >/data/ctr/shared/by1234");
    assertThat(other.code()).as(other.out()).isZero();
    assertThat(owner(rw.resolve("ctr/shared/by1234")))
        .as("a file a container user with a subordinate uid made")
        .isEqualTo(uid);
  }

  @Test
  @Order(4)
  void changesOnEitherSide_areSeenAtOnce() throws Exception {
    Path live = rw.resolve("live.txt");
    Files.writeString(live, "v1\n");
    assertThat(Exec.run(Map.of(), List.of("chown", USER + ":", live.toString())).code()).isZero();
    assertThat(ssh("cat /mnt/rw/live.txt; test -e /mnt/rw/later; echo later=$?").out())
        .contains("v1", "later=1");
    Files.writeString(live, "v2, longer\n");
    Files.writeString(rw.resolve("later"), "new\n");
    assertThat(ssh("cat /mnt/rw/live.txt /mnt/rw/later; stat -c %s /mnt/rw/live.txt").out())
        .contains("v2, longer", "new", "11");
    Files.delete(rw.resolve("later"));
    assertThat(ssh("test -e /mnt/rw/later; echo later=$?").out()).contains("later=1");

    assertThat(ssh("echo from-guest >/mnt/rw/fromguest; echo appended >>/mnt/rw/live.txt").code())
        .isZero();
    assertThat(rw.resolve("fromguest")).hasContent("from-guest");
    assertThat(live).hasContent("v2, longer\nappended");
  }

  @Test
  @Order(5)
  void readOnlyVolume_isReadOnlyInQemuToo() throws Exception {
    Exec remount =
        ssh(
            "sudo mount -o remount,rw /mnt/ro && touch /mnt/ro/x; echo rc=$?; sudo mount -o remount,ro /mnt/ro");
    assertThat(remount.out()).contains("Read-only file system").doesNotContain("rc=0");
    assertThat(ro.resolve("x")).doesNotExist();
  }
}
