package dev.berth.ignition;

import dev.berth.ignition.IgnitionConfig.Unit;
import dev.berth.net.config.NetworkConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Podman's API served to the host on a TCP port of the guest, through the machine's network: the
 * host's API socket reaches it with no SSH login, so a machine that resumes from its saved state
 * answers as soon as it runs (an SSH login costs over a second under emulation). systemd listens
 * and starts podman's service on the first connection, as it does for podman's own unix socket.
 *
 * <p>Only the host reaches the port: systemd admits connections from the network's gateway alone
 * ({@code IPAddressAllow}, enforced in the kernel), and the gateway's forwards that a guest or a
 * container in it can make never lead there (the host reserves the ports in berth-net). A program
 * in the guest, or a container, connects from the guest's own address or a container network, and
 * is dropped. Podman's service passes half-closed connections on, which HTTP clients rely on.
 */
public final class HostApiSocket {
  /** The port of a rootless machine's API: the machine user's podman. */
  public static final int ROOTLESS_PORT = 10375;

  /** The port of a rootful machine's API: root's podman. */
  public static final int ROOTFUL_PORT = 10376;

  static final String ROOTLESS_UNIT = "berth-api";
  static final String ROOTFUL_UNIT = "berth-api-root";

  private HostApiSocket() {}

  /** The guest port that serves the API a machine of this kind uses. */
  public static int port(boolean rootful) {
    return rootful ? ROOTFUL_PORT : ROOTLESS_PORT;
  }

  /** Both ports: a machine can be switched between rootless and rootful after its first boot. */
  public static List<Integer> ports() {
    return List.of(ROOTLESS_PORT, ROOTFUL_PORT);
  }

  private static final String PODMAN_SERVICE = "/usr/bin/podman system service --time=0";

  /**
   * The rootless service moves itself into the user's own systemd (a scope of its own, keeping the
   * socket systemd passed): left in the system's, the processes it starts could not be moved into
   * its containers' cgroups under the user's, and {@code podman exec} failed ("writing file
   * .../cgroup.procs: Permission denied").
   */
  static final String ROOTLESS_START =
      "/usr/bin/systemd-run --user --scope --quiet --collect " + PODMAN_SERVICE;

  /** The socket and service units of both APIs, for the user {@code user} with {@code uid}. */
  static List<Unit> units(String user, int uid) {
    String runtime = "/run/user/" + uid;
    List<Unit> units = new ArrayList<>();
    units.add(socketUnit(ROOTLESS_UNIT, ROOTLESS_PORT, user + "'s podman"));
    units.add(
        serviceUnit(
            ROOTLESS_UNIT,
            user + "'s podman",
            List.of("Wants=user@" + uid + ".service", "After=user@" + uid + ".service"),
            List.of(
                "User=" + user,
                "Environment=XDG_RUNTIME_DIR="
                    + runtime
                    + " DBUS_SESSION_BUS_ADDRESS=unix:path="
                    + runtime
                    + "/bus"),
            ROOTLESS_START));
    units.add(socketUnit(ROOTFUL_UNIT, ROOTFUL_PORT, "root's podman"));
    units.add(serviceUnit(ROOTFUL_UNIT, "root's podman", List.of(), List.of(), PODMAN_SERVICE));
    return units;
  }

  private static Unit socketUnit(String name, int port, String whose) {
    String gateway = NetworkConfig.gvproxyDefaults().gatewayIp().getHostAddress();
    String contents =
        String.join(
            "\n",
            "[Unit]",
            "Description=The API of " + whose + " for the host, through the machine's network",
            "",
            "[Socket]",
            "ListenStream=" + port,
            "# the host's connections come from the network's gateway; nothing else may connect",
            "IPAddressAllow=" + gateway,
            "IPAddressDeny=any",
            "",
            "[Install]",
            "WantedBy=sockets.target",
            "");
    return new Unit(name + ".socket", true, null, contents);
  }

  private static Unit serviceUnit(
      String name, String whose, List<String> unitLines, List<String> serviceLines, String start) {
    List<String> lines = new ArrayList<>();
    lines.add("[Unit]");
    lines.add("Description=The API of " + whose + " for the host");
    lines.add("Requires=" + name + ".socket");
    lines.add("After=" + name + ".socket");
    lines.addAll(unitLines);
    lines.add("");
    lines.add("[Service]");
    lines.addAll(serviceLines);
    // as podman's own podman.service: its containers outlive a restart of the service
    lines.add("Delegate=true");
    lines.add("Type=exec");
    lines.add("KillMode=process");
    lines.add("ExecStart=" + start);
    lines.add("");
    return new Unit(name + ".service", null, null, String.join("\n", lines));
  }
}
