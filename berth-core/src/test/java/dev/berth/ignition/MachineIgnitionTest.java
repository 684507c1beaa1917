package dev.berth.ignition;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class MachineIgnitionTest {
  private static IgnitionConfig build(boolean rootful, List<MachineIgnition.Volume> volumes) {
    return MachineIgnition.build(
        new MachineIgnition.Params(
            "dev", "core", 501, "ssh-ed25519 AAAA core@dev", rootful, "Europe/Berlin", volumes));
  }

  private static String content(IgnitionConfig config, String path) {
    IgnitionConfig.File file =
        config.storage().files().stream()
            .filter(f -> f.path().equals(path))
            .findFirst()
            .orElseThrow();
    return URLDecoder.decode(
        file.contents().source().substring("data:,".length()), StandardCharsets.UTF_8);
  }

  private static IgnitionConfig.Unit readyUnit(IgnitionConfig config) {
    return config.systemd().units().stream()
        .filter(u -> u.name().equals("ready.service"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void build_usersGetTheKey_userHasTheHostUid() {
    IgnitionConfig config = build(false, List.of());
    assertThat(config.ignition().version()).isEqualTo("3.2.0");
    assertThat(config.passwd().users())
        .extracting(IgnitionConfig.User::name, IgnitionConfig.User::uid)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("core", 501),
            org.assertj.core.groups.Tuple.tuple("root", null));
    assertThat(config.passwd().users())
        .allSatisfy(
            u -> assertThat(u.sshAuthorizedKeys()).containsExactly("ssh-ed25519 AAAA core@dev"));
  }

  @Test
  void build_writesWhatTheGuestPodmanNeeds() {
    IgnitionConfig config = build(false, List.of());
    assertThat(content(config, "/etc/containers/podman-machine")).isEqualTo("qemu\n");
    assertThat(content(config, "/etc/hostname")).isEqualTo("dev\n");
    assertThat(content(config, "/etc/subuid")).isEqualTo("core:100000:1000000\n");
    assertThat(content(config, "/var/lib/systemd/linger/core")).isEmpty();
    assertThat(content(config, "/etc/tmpfiles.d/podman-docker.conf"))
        .isEqualTo("L+ /run/docker.sock - - - - /run/user/501/podman/podman.sock\n");
    assertThat(content(config, "/home/core/.config/containers/containers.conf"))
        .contains("netns=\"bridge\"");
    assertThat(config.storage().links())
        .anySatisfy(
            l -> {
              assertThat(l.path()).isEqualTo("/etc/localtime");
              assertThat(l.target()).isEqualTo("../usr/share/zoneinfo/Europe/Berlin");
            });
  }

  @Test
  void build_keepsPodmansServiceUp_forRootfulAndRootless() {
    IgnitionConfig config = build(false, List.of());
    for (String manager : List.of("system", "user")) {
      assertThat(content(config, "/etc/systemd/" + manager + "/podman.service.d/berth.conf"))
          .isEqualTo(
              "[Service]\nExecStart=\nExecStart=/usr/bin/podman $LOGGING system service --time=0\n");
    }
  }

  @Test
  void build_servesBothApisToTheGatewayAlone_rootlessAsTheUser() {
    IgnitionConfig config = build(false, List.of());
    for (String socket : List.of("berth-api.socket", "berth-api-root.socket")) {
      assertThat(config.systemd().units())
          .anySatisfy(
              u -> {
                assertThat(u.name()).isEqualTo(socket);
                assertThat(u.enabled()).isTrue();
              });
      assertThat(unit(config, socket))
          .contains("IPAddressAllow=192.168.127.1\n", "IPAddressDeny=any\n");
    }
    assertThat(unit(config, "berth-api.socket")).contains("ListenStream=10375\n");
    assertThat(unit(config, "berth-api-root.socket")).contains("ListenStream=10376\n");
    assertThat(unit(config, "berth-api.service"))
        .contains(
            "User=core\n",
            "XDG_RUNTIME_DIR=/run/user/501 ",
            "DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/501/bus\n",
            "After=berth-api.socket\n",
            "ExecStart=/usr/bin/systemd-run --user --scope --quiet --collect"
                + " /usr/bin/podman system service --time=0\n");
    assertThat(unit(config, "berth-api-root.service"))
        .doesNotContain("User=")
        .contains("ExecStart=/usr/bin/podman system service --time=0\n");
    assertThat(HostApiSocket.port(false)).isEqualTo(10375);
    assertThat(HostApiSocket.port(true)).isEqualTo(10376);
  }

  @Test
  void build_containersStopWithinTenSeconds_forRootfulAndRootless() {
    for (boolean rootful : List.of(false, true)) {
      IgnitionConfig config = build(rootful, List.of());
      for (String manager : List.of("system", "user")) {
        assertThat(content(config, "/etc/systemd/" + manager + ".conf.d/berth-stop-timeout.conf"))
            .isEqualTo("[Manager]\nDefaultTimeoutStopSec=10s\n");
      }
    }
  }

  @Test
  void build_rootful_pointsDockerSocketAtRootPodman() {
    assertThat(content(build(true, List.of()), "/etc/tmpfiles.d/podman-docker.conf"))
        .contains("/run/podman/podman.sock");
  }

  @Test
  void build_readyUnit_waitsForTheVirtioPortAndWritesReady() {
    IgnitionConfig.Unit ready = readyUnit(build(false, List.of()));
    assertThat(ready.enabled()).isTrue();
    assertThat(ready.contents())
        .contains("Requires=dev-virtio\\x2dports-org.fedoraproject.port.0.device")
        .contains("echo Ready >/dev/virtio-ports/org.fedoraproject.port.0")
        .contains("WantedBy=default.target")
        .contains("Wants=user@501.service")
        .containsPattern("After=.*sshd.service.* user@501.service");
  }

  @Test
  void build_readyUnit_rootful_doesNotWaitForTheUsersSystemd() {
    assertThat(readyUnit(build(true, List.of())).contents())
        .contains("podman.socket")
        .doesNotContain("user@");
  }

  @Test
  void build_oneMountUnitPerVolume() {
    IgnitionConfig config =
        build(
            false,
            List.of(
                new MachineIgnition.Volume("vol0", "/home/me/src", false),
                new MachineIgnition.Volume("vol1", "/data", true)));
    assertThat(config.systemd().units())
        .extracting(IgnitionConfig.Unit::name)
        .contains("home-me-src.mount", "data.mount");
    String data =
        config.systemd().units().stream()
            .filter(u -> u.name().equals("data.mount"))
            .findFirst()
            .orElseThrow()
            .contents();
    assertThat(data)
        .contains(
            "What=vol1",
            "Where=/data",
            "Type=9p",
            "Options=trans=virtio,version=9p2000.L,msize=512000,ro");
  }

  private static String unit(IgnitionConfig config, String name) {
    return config.systemd().units().stream()
        .filter(u -> u.name().equals(name))
        .findFirst()
        .orElseThrow()
        .contents();
  }

  @Test
  void build_macOsVolumesAtTheTopOfTheImmutableRoot_mountPointsMadeFirst() {
    IgnitionConfig config =
        build(
            false,
            List.of(
                new MachineIgnition.Volume("vol0", "/Users", false),
                new MachineIgnition.Volume("vol1", "/private", false),
                new MachineIgnition.Volume("vol2", "/var/folders", false)));
    String script = content(config, "/etc/berth/make-mount-points");
    assertThat(script)
        .contains("chattr -i /")
        .contains("mkdir -p -- '/Users' '/private' ||")
        .contains("chattr +i /")
        .doesNotContain("/var/folders");
    assertThat(script.indexOf("chattr -i /")).isLessThan(script.indexOf("mkdir -p"));
    assertThat(script.indexOf("mkdir -p")).isLessThan(script.indexOf("chattr +i /"));
    assertThat(unit(config, "berth-mount-points.service"))
        .contains(
            "ExecStart=/bin/sh /etc/berth/make-mount-points",
            "Before=local-fs.target",
            "DefaultDependencies=no");
    for (String mount : List.of("Users.mount", "private.mount")) {
      assertThat(unit(config, mount))
          .contains("Requires=berth-mount-points.service", "After=berth-mount-points.service");
    }
    assertThat(unit(config, "var-folders.mount")).doesNotContain("berth-mount-points");
  }

  @Test
  void build_mountPointsScript_immutableAttributeTouchedOnlyWhereSet_quotesTargets() {
    String script = RootMountPoints.script(List.of("/it's"));
    assertThat(script)
        .contains("lsattr -d /")
        .contains("mkdir -p -- '/it'\\''s'")
        .contains("if [ \"$immutable\" = true ]; then\n  chattr +i /");
  }

  @Test
  void build_volumesBelowTopLevel_noMountPointUnit() {
    IgnitionConfig config =
        build(false, List.of(new MachineIgnition.Volume("vol0", "/home/me/src", false)));
    assertThat(config.systemd().units())
        .extracting(IgnitionConfig.Unit::name)
        .doesNotContain("berth-mount-points.service");
    assertThat(config.storage().files())
        .extracting(IgnitionConfig.File::path)
        .doesNotContain("/etc/berth/make-mount-points");
  }

  @Test
  void subidStart_avoidsTheUsersOwnUid() {
    assertThat(MachineIgnition.subidStart(1000)).isEqualTo(100000);
    assertThat(MachineIgnition.subidStart(100500)).isEqualTo(100501);
  }

  @Test
  void data_percentEncodesEverythingButUnreserved() {
    assertThat(MachineIgnition.data("a b\n\"%").source()).isEqualTo("data:,a%20b%0A%22%25");
  }
}
