package dev.berth.ignition;

import dev.berth.ignition.IgnitionConfig.Contents;
import dev.berth.ignition.IgnitionConfig.Directory;
import dev.berth.ignition.IgnitionConfig.File;
import dev.berth.ignition.IgnitionConfig.Link;
import dev.berth.ignition.IgnitionConfig.Owner;
import dev.berth.ignition.IgnitionConfig.Unit;
import dev.berth.ignition.IgnitionConfig.User;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Ignition content of a Berth machine: what podman machine writes for a QEMU machine (users
 * with the machine key, lingering, subordinate ids, the podman-machine marker that makes the
 * guest's podman publish ports through the network's API, cgroup delegation, the podman sockets,
 * the ready notification), plus the host name, time zone, one 9p mount per volume and podman's API
 * on a port that only the host reaches ({@link HostApiSocket}).
 */
public final class MachineIgnition {
  /** The virtio-serial port the guest writes {@code Ready} to; the host agent listens on it. */
  public static final String READY_PORT = "org.fedoraproject.port.0";

  /**
   * 9p mount options, chosen by bench/volumes (figures in bench/RESULTS.md). msize=512000 is the
   * largest message a Linux 6.1 guest's virtio transport takes (125 pages; a larger value is cut
   * down to it): bulk reads and writes need fewer round trips than with podman's 131072. The cost:
   * QEMU reports st_blksize from msize, and programs that read in blocks of it (cat, cp) pay per
   * small file for the large count (262144 halves that cost and gives up most of the bulk gain). No
   * cache: every read, write and stat goes to the host, so a change made on either side is seen by
   * the other at once. cache=mmap (podman 5.0's, for shared writable mappings) opened an extra
   * writeback fid per file written and made creating 10,000 files 3x slower; cache=loose answers
   * stat from the guest's cache but serves stale data and attributes after a host edit, keeps guest
   * writes from the host until writeback, and writes back one page per request.
   */
  static final String NINE_P_OPTIONS = "trans=virtio,version=9p2000.L,msize=512000";

  /**
   * How long systemd waits for a unit to stop before it kills it: docker's and podman's own stop
   * timeout. systemd's default, 90 s, held a shutdown as long for a container whose PID 1 ignores
   * SIGTERM (busybox httpd), past the agent's grace, which then quits QEMU: an unclean stop. The
   * user's manager holds a rootless machine's containers, the system's a rootful one's.
   */
  static final String STOP_TIMEOUT = "[Manager]\nDefaultTimeoutStopSec=10s\n";

  private static final int SUBID_START = 100000;
  private static final int SUBID_COUNT = 1000000;

  private MachineIgnition() {}

  /** A host directory that the guest mounts from the 9p device tagged {@code tag}. */
  public record Volume(String tag, String target, boolean readOnly) {}

  /** Everything the content depends on. */
  public record Params(
      String hostname,
      String user,
      int uid,
      String authorizedKey,
      boolean rootful,
      String timezone,
      List<Volume> volumes) {}

  public static IgnitionConfig build(Params p) {
    String home = "/home/" + p.user();
    Owner owner = new Owner(p.user());

    List<Directory> directories = new ArrayList<>();
    for (String dir :
        List.of(
            home + "/.config",
            home + "/.config/containers",
            home + "/.config/systemd",
            home + "/.config/systemd/user")) {
      directories.add(new Directory(dir, 0755, owner, owner, null));
    }

    List<File> files = new ArrayList<>();
    files.add(rootFile("/etc/hostname", 0644, p.hostname() + "\n"));
    files.add(rootFile("/var/lib/systemd/linger/" + p.user(), 0644, ""));
    files.add(
        new File(
            home + "/.config/containers/containers.conf",
            0644,
            owner,
            owner,
            true,
            data("[containers]\nnetns=\"bridge\"\npids_limit=0\n")));
    String subids = p.user() + ":" + subidStart(p.uid()) + ":" + SUBID_COUNT + "\n";
    files.add(rootFile("/etc/subuid", 0644, subids));
    files.add(rootFile("/etc/subgid", 0644, subids));
    files.add(rootFile("/etc/containers/podman-machine", 0644, "qemu\n"));
    files.add(
        rootFile(
            "/etc/systemd/system/user@.service.d/delegate.conf",
            0644,
            "[Service]\nDelegate=memory pids cpu io\n"));
    // The machine exists to serve podman's API: once started, its service stays up. Podman's
    // default ends it after 5 s idle, and each restart then costs the next request seconds
    // under emulation.
    for (String manager : List.of("system", "user")) {
      files.add(
          rootFile(
              "/etc/systemd/" + manager + "/podman.service.d/berth.conf",
              0644,
              "[Service]\nExecStart=\nExecStart=/usr/bin/podman $LOGGING system service --time=0\n"));
      files.add(
          rootFile(
              "/etc/systemd/" + manager + ".conf.d/berth-stop-timeout.conf", 0644, STOP_TIMEOUT));
    }
    String dockerSocket =
        p.rootful() ? "/run/podman/podman.sock" : "/run/user/" + p.uid() + "/podman/podman.sock";
    files.add(
        rootFile(
            "/etc/tmpfiles.d/podman-docker.conf",
            0644,
            "L+ /run/docker.sock - - - - " + dockerSocket + "\n"));
    files.add(
        rootFile(
            "/etc/sysctl.d/10-inotify-instances.conf",
            0644,
            "fs.inotify.max_user_instances=524288\n"));

    List<Link> links = new ArrayList<>();
    links.add(
        new Link(
            "/etc/localtime", "../usr/share/zoneinfo/" + p.timezone(), null, null, null, true));
    links.add(
        new Link(
            "/etc/systemd/user/sockets.target.wants/podman.socket",
            "/usr/lib/systemd/user/podman.socket",
            null,
            null,
            null,
            true));
    links.add(new Link("/usr/local/bin/docker", "/usr/bin/podman", null, null, null, true));

    List<Unit> units = new ArrayList<>();
    units.add(new Unit("ready.service", true, null, readyUnit(p.rootful() ? null : p.uid())));
    units.add(new Unit("podman.socket", true, null, null));
    units.addAll(HostApiSocket.units(p.user(), p.uid()));
    List<String> rootMountPoints = RootMountPoints.topLevel(p.volumes());
    for (Volume volume : p.volumes()) {
      units.add(
          new Unit(
              SystemdEscape.path(volume.target()) + ".mount",
              true,
              null,
              mountUnit(volume, rootMountPoints.contains(volume.target()))));
    }
    if (!rootMountPoints.isEmpty()) {
      files.add(rootFile(RootMountPoints.SCRIPT, 0755, RootMountPoints.script(rootMountPoints)));
      units.add(new Unit(RootMountPoints.UNIT, null, null, RootMountPoints.unit()));
    }

    User user = new User(p.user(), p.uid(), List.of(p.authorizedKey()), null);
    User root = new User("root", null, List.of(p.authorizedKey()), null);
    return new IgnitionConfig(
        new IgnitionConfig.Ignition(IgnitionConfig.SPEC_VERSION),
        new IgnitionConfig.Passwd(List.of(user, root)),
        new IgnitionConfig.Storage(directories, files, links),
        new IgnitionConfig.Systemd(units));
  }

  /** Subordinate ids must not overlap the user's own uid. */
  static int subidStart(int uid) {
    return uid >= SUBID_START && uid < SUBID_START + SUBID_COUNT ? uid + 1 : SUBID_START;
  }

  /**
   * Ready once the guest can be logged in to and podman's socket listens: for a rootless machine
   * that socket is the user's, so ready pulls in the user's systemd and waits for it (linger would
   * start it too, but later and outside the boot's ordering).
   */
  static String readyUnit(Integer rootlessUid) {
    String device = "dev-virtio\\x2dports-" + READY_PORT.replace("-", "\\x2d") + ".device";
    String after = device + " sshd.service systemd-user-sessions.service podman.socket";
    List<String> lines = new ArrayList<>();
    lines.add("[Unit]");
    lines.add("Description=Tell the host that the machine is ready");
    lines.add("Requires=" + device);
    if (rootlessUid != null) {
      String userManager = "user@" + rootlessUid + ".service";
      lines.add("Wants=" + userManager);
      after += " " + userManager;
    }
    lines.addAll(
        List.of(
            "After=" + after,
            "",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            "ExecStart=/bin/sh -c 'echo Ready >/dev/virtio-ports/" + READY_PORT + "'",
            "",
            "[Install]",
            "WantedBy=default.target",
            ""));
    return String.join("\n", lines);
  }

  /** {@code atRoot}: the target is a directory of {@code /}, made by {@link RootMountPoints}. */
  static String mountUnit(Volume volume, boolean atRoot) {
    String options = NINE_P_OPTIONS + (volume.readOnly() ? ",ro" : ",rw");
    List<String> lines =
        new ArrayList<>(List.of("[Unit]", "Description=Host directory " + volume.target()));
    if (atRoot) {
      lines.addAll(RootMountPoints.dependency());
    }
    lines.addAll(
        List.of(
            "",
            "[Mount]",
            "What=" + volume.tag(),
            "Where=" + volume.target(),
            "Type=9p",
            "Options=" + options,
            "DirectoryMode=0755",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
            ""));
    return String.join("\n", lines);
  }

  private static File rootFile(String path, int mode, String content) {
    return new File(path, mode, null, null, true, data(content));
  }

  /** RFC 2397 data URL with every byte outside the unreserved set percent-encoded. */
  static Contents data(String content) {
    String encoded = URLEncoder.encode(content, StandardCharsets.UTF_8).replace("+", "%20");
    return new Contents("data:," + encoded);
  }
}
