package dev.berth.qemu;

import dev.berth.BerthException;
import dev.berth.ignition.MachineIgnition;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line of a machine, rebuilt at every start from its description: a pure function
 * of the machine, the host platform and the runtime paths, so every host's line is unit-tested here
 * whatever host the tests run on.
 */
public final class QemuCommand {
  /** gvproxy's static DHCP lease is for this MAC; podman machine uses it too. */
  public static final String GUEST_MAC = "5a:94:ef:e4:0c:ee";

  private QemuCommand() {}

  /**
   * What the host gives the guest, as {@link QemuHost#platform} decides from the host model: the
   * QEMU binary for the guest's architecture, the accelerator, whether QEMU may name its process
   * (Linux only), the UEFI firmware and the machine's own copy of its variable store (aarch64
   * guests that boot through a boot loader).
   */
  public record Platform(
      String binary,
      String guestArch,
      Accelerator accelerator,
      boolean namesProcess,
      Firmware.Uefi firmware,
      Path firmwareVariables) {}

  /** How the guest's NIC reaches the outside. */
  public sealed interface Network permits Slirp, Stream {}

  /**
   * QEMU's own user-mode network, forwarding a loopback port to the guest's SSH, and each of {@code
   * tcpPorts} from loopback to the same port in the guest.
   */
  public record Slirp(int sshPort, List<Integer> tcpPorts) implements Network {
    public Slirp {
      tcpPorts = List.copyOf(tcpPorts);
    }

    public Slirp(int sshPort) {
      this(sshPort, List.of());
    }
  }

  /** A unix stream socket that a user-mode network (berth-net) listens on. */
  public record Stream(Path socket, int mtu) implements Network {}

  /** A host directory shared over 9p. */
  public record Share(Path source, String tag, boolean readOnly) {}

  /** Everything about the guest that the command line carries. */
  public record Guest(
      String name,
      int cpus,
      long memoryMiB,
      Path disk,
      Path kernel,
      Path initrd,
      boolean firstBoot,
      Path ignition,
      List<Share> shares,
      Network network) {}

  /** qemu-guest-agent's port in the guest has this name; its service waits for it. */
  public static final String GUEST_AGENT_PORT = "org.qemu.guest_agent.0";

  /**
   * The machine's runtime files. {@code guestAgent}: where QEMU serves the host end of
   * qemu-guest-agent's port; {@code userQmp}: a second QMP monitor, the user's (the agent holds
   * {@code qmp}, and a QMP socket serves one client at a time); each null for a machine without
   * one.
   */
  public record RuntimePaths(
      Path qmp, Path ready, Path console, Path pidFile, Path guestAgent, Path userQmp) {
    public RuntimePaths(Path qmp, Path ready, Path console, Path pidFile) {
      this(qmp, ready, console, pidFile, null, null);
    }
  }

  /**
   * Kernel arguments for berth-os, which boots its kernel directly (no boot loader). The serial
   * console is the PC's 16550 on x86_64 and the PL011 of {@code virt} on aarch64.
   */
  static String kernelArguments(String guestArch, boolean firstBoot) {
    return "root=/dev/vda rw console="
        + serialConsole(guestArch)
        + " quiet"
        + (firstBoot ? " ignition.firstboot" : "");
  }

  /** The guest's name for the serial port whose output becomes the console log. */
  public static String serialConsole(String guestArch) {
    return isArm(guestArch) ? "ttyAMA0" : "ttyS0";
  }

  /** The QEMU system emulator for guests of {@code guestArch}. */
  public static String binary(String guestArch) {
    return isArm(guestArch) ? "qemu-system-aarch64" : "qemu-system-x86_64";
  }

  private static boolean isArm(String guestArch) {
    return guestArch.equals("aarch64");
  }

  public static List<String> build(Platform platform, Guest guest, RuntimePaths paths) {
    List<String> argv = new ArrayList<>();
    boolean arm = isArm(platform.guestArch());
    if (!arm && !platform.guestArch().equals("x86_64")) {
      throw new BerthException(
          "no QEMU machine model for architecture " + platform.guestArch(),
          "berth runs x86_64 and aarch64 guests");
    }
    argv.add(platform.binary());
    argv.addAll(
        List.of(
            "-name",
            guest.name() + (platform.namesProcess() ? ",process=berth-" + guest.name() : "")));
    String accel = platform.accelerator().qemuName();
    if (arm) {
      argv.addAll(List.of("-machine", "virt,highmem=on,gic-version=max,accel=" + accel));
    } else {
      argv.addAll(List.of("-machine", "q35,accel=" + accel));
    }
    argv.addAll(List.of("-cpu", cpu(arm, platform.accelerator())));
    argv.addAll(List.of("-smp", Integer.toString(guest.cpus())));
    argv.addAll(List.of("-m", guest.memoryMiB() + "M"));
    argv.addAll(List.of("-nodefaults", "-display", "none", "-no-user-config"));
    if (guest.kernel() != null) {
      argv.addAll(List.of("-kernel", guest.kernel().toString()));
      if (guest.initrd() != null) {
        argv.addAll(List.of("-initrd", guest.initrd().toString()));
      }
      argv.addAll(List.of("-append", kernelArguments(platform.guestArch(), guest.firstBoot())));
    } else if (arm) {
      argv.addAll(firmware(platform));
    }
    // Space the guest frees goes back to the host: its discards (and zeros it writes) punch
    // holes in the qcow2 file instead of staying allocated.
    argv.addAll(
        List.of(
            "-drive",
            "if=virtio,format=qcow2,discard=unmap,detect-zeroes=unmap,file="
                + optionValue(guest.disk())));
    argv.addAll(
        List.of("-fw_cfg", "name=opt/com.coreos/config,file=" + optionValue(guest.ignition())));
    argv.addAll(List.of("-qmp", "unix:" + optionValue(paths.qmp()) + ",server=on,wait=off"));
    if (paths.userQmp() != null) {
      argv.addAll(List.of("-qmp", "unix:" + optionValue(paths.userQmp()) + ",server=on,wait=off"));
    }
    argv.addAll(network(guest.network()));
    argv.addAll(
        List.of(
            "-device", "virtio-serial",
            "-chardev", "socket,id=ready,path=" + optionValue(paths.ready()) + ",server=off",
            "-device", "virtserialport,chardev=ready,name=" + MachineIgnition.READY_PORT));
    if (paths.guestAgent() != null) {
      argv.addAll(
          List.of(
              "-chardev",
                  "socket,id=qga,path=" + optionValue(paths.guestAgent()) + ",server=on,wait=off",
              "-device", "virtserialport,chardev=qga,name=" + GUEST_AGENT_PORT));
    }
    argv.addAll(
        List.of(
            "-chardev",
            "file,id=console,path=" + optionValue(paths.console()),
            "-serial",
            "chardev:console"));
    argv.addAll(List.of("-device", "virtio-rng-pci"));
    // pages the guest frees go back to the host while it runs, and are not in a saved state
    argv.addAll(List.of("-device", "virtio-balloon-pci,free-page-reporting=on"));
    for (Share share : guest.shares()) {
      argv.addAll(List.of("-virtfs", virtfs(share)));
    }
    argv.addAll(List.of("-pidfile", paths.pidFile().toString()));
    return argv;
  }

  /**
   * Under TCG the best CPU QEMU emulates; on aarch64 with the IMPDEF pointer authentication, since
   * the architected algorithm (QARMA) is slow to emulate. With a hypervisor, the host's own.
   */
  private static String cpu(boolean arm, Accelerator accelerator) {
    if (!accelerator.isSoftware()) {
      return "host";
    }
    return arm ? "max,pauth-impdef=on" : "max";
  }

  private static List<String> firmware(Platform platform) {
    if (platform.firmware() == null) {
      throw new BerthException(
          "no UEFI firmware for aarch64 guests found",
          "install QEMU's edk2 firmware (Debian: qemu-efi-aarch64; macOS: brew install qemu)");
    }
    List<String> drives =
        new ArrayList<>(
            List.of(
                "-drive",
                "if=pflash,format=raw,readonly=on,file="
                    + optionValue(platform.firmware().code())));
    if (platform.firmwareVariables() != null) {
      drives.addAll(
          List.of(
              "-drive", "if=pflash,format=raw,file=" + optionValue(platform.firmwareVariables())));
    }
    return drives;
  }

  /**
   * A path as the value in a QEMU option list ({@code file=}, {@code path=}, {@code unix:}): QEMU
   * splits those at commas, and reads a doubled comma as one. Plain path arguments ({@code
   * -kernel}, {@code -initrd}, {@code -pidfile}) are taken as they are and must not go through
   * here.
   */
  static String optionValue(Path path) {
    return path.toString().replace(",", ",,");
  }

  /**
   * security_model=none: QEMU creates files with its own credentials (the host user's) and ignores
   * a failed chown, so whatever the guest's root, its user or a rootless container's subordinate
   * uid creates is the host user's on the host, and the guest sees the host's real owners and
   * modes. passthrough fails those chowns with EPERM when QEMU is not root; mapped-xattr keeps
   * owners and modes in extended attributes and turns symlinks into regular files on the host.
   * readonly=on makes QEMU refuse writes even if the guest remounts rw.
   */
  static String virtfs(Share share) {
    return "local,path="
        + optionValue(share.source())
        + ",mount_tag="
        + share.tag()
        + ",security_model=none"
        + (share.readOnly() ? ",readonly=on" : "");
  }

  private static List<String> network(Network network) {
    String device = "virtio-net-pci,netdev=net0,mac=" + GUEST_MAC;
    if (network instanceof Slirp slirp) {
      StringBuilder netdev =
          new StringBuilder("user,id=net0,hostfwd=tcp:127.0.0.1:" + slirp.sshPort() + "-:22");
      for (int port : slirp.tcpPorts()) {
        netdev.append(",hostfwd=tcp:127.0.0.1:").append(port).append("-:").append(port);
      }
      return List.of("-netdev", netdev.toString(), "-device", device);
    }
    Stream stream = (Stream) network;
    return List.of(
        "-netdev",
        "stream,id=net0,server=off,addr.type=unix,addr.path=" + optionValue(stream.socket()),
        "-device",
        device + (stream.mtu() > 1500 ? ",host_mtu=" + stream.mtu() : ""));
  }
}
