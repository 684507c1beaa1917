package dev.berth.os;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.testing.LaunchHosts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class HostTest {
  @Test
  void cpuArch_translatedJvmOnAppleSilicon_isAarch64() {
    assertThat(LaunchHosts.appleSiliconTranslatedJvm().arch()).isEqualTo("x86_64");
    assertThat(LaunchHosts.appleSiliconTranslatedJvm().cpuArch()).isEqualTo("aarch64");
    assertThat(LaunchHosts.intelMac(true).cpuArch()).isEqualTo("x86_64");
    assertThat(LaunchHosts.linux("x86_64", false).cpuArch()).isEqualTo("x86_64");
  }

  @Test
  void qemuProcessName_linuxOnly() {
    assertThat(LaunchHosts.linux("aarch64", false).namesQemuProcess()).isTrue();
    assertThat(LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2).namesQemuProcess()).isFalse();
  }

  @Test
  void privilegedPortsOnWildcard_macOsUsersButNotRoot() {
    Host mac = LaunchHosts.intelMac(true);
    assertThat(mac.privilegedPortsOnWildcard()).isTrue();
    Host root =
        new Host(
            mac.env(), mac.home(), "root", 0, "darwin", "x86_64", 1, 1, mac.zone(), mac.launch());
    assertThat(root.privilegedPortsOnWildcard()).isFalse();
    assertThat(LaunchHosts.linux("x86_64", false).privilegedPortsOnWildcard()).isFalse();
  }

  @Test
  void detachCommand_setsidOnLinux_perlsSetsidOnMacOs_noneWhenAbsent() {
    assertThat(LaunchHosts.linux("x86_64", false).detachCommand())
        .containsExactly("/usr/bin/setsid");
    assertThat(LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2).detachCommand())
        .startsWith("/usr/bin/perl", "-MPOSIX", "-e")
        .noneMatch(arg -> arg.contains("setsid") && arg.startsWith("/usr/bin/setsid"));
    Host bare =
        LaunchHosts.intelMac(true).withLaunch("darwin", "x86_64", DescribedLaunchFacts.bare());
    assertThat(bare.detachCommand()).isEmpty();
  }

  /** The macOS way, run for real here: perl is on Linux too, and its setsid is the same call. */
  @Test
  void perlSetsid_runsItsArgumentsInASessionOfTheirOwn() throws IOException, InterruptedException {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/perl")), "needs /usr/bin/perl");
    Assumptions.assumeTrue(
        Files.isExecutable(Path.of("/bin/ps")), "needs ps to read the session id");
    List<String> argv = new ArrayList<>(Host.PERL_SETSID);
    // the shell prints its pid and its session id; in a new session they are the same
    argv.addAll(List.of("/bin/sh", "-c", "echo $$ $(ps -o sid= -p $$)"));
    Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.waitFor()).as(out).isZero();
    String[] pidAndSession = out.split("\\s+");
    assertThat(pidAndSession).as(out).hasSize(2);
    assertThat(pidAndSession[1]).isEqualTo(pidAndSession[0]);
    long ourSession =
        Long.parseLong(
            new String(
                    new ProcessBuilder(
                            "/bin/ps",
                            "-o",
                            "sid=",
                            "-p",
                            Long.toString(ProcessHandle.current().pid()))
                        .start()
                        .getInputStream()
                        .readAllBytes(),
                    StandardCharsets.UTF_8)
                .trim());
    assertThat(Long.parseLong(pidAndSession[1])).isNotEqualTo(ourSession);
  }

  @Test
  void runtimeBase_macOsUnderTheUsersCaches_notTmp() {
    assertThat(LaunchHosts.intelMac(true).runtimeBase())
        .isEqualTo(Path.of("/Users/u/Library/Caches/berth"));
    assertThat(LaunchHosts.linux("x86_64", false).runtimeBase())
        .isEqualTo(Path.of("/tmp/berth-501"));
  }

  @Test
  void findExecutable_guiPathWithoutHomebrew_stillFindsIt_macPortsToo() {
    Host mac = LaunchHosts.appleSilicon(true, LaunchHosts.QEMU_9_2);
    assertThat(mac.findExecutable("qemu-system-aarch64"))
        .contains(Path.of("/opt/homebrew/bin/qemu-system-aarch64"));
    Host macPorts =
        mac.withLaunch(
            "darwin",
            "aarch64",
            new DescribedLaunchFacts(
                false,
                true,
                List.of(),
                Set.of(Path.of("/opt/local/bin/qemu-system-aarch64")),
                null));
    assertThat(macPorts.findExecutable("qemu-system-aarch64"))
        .contains(Path.of("/opt/local/bin/qemu-system-aarch64"));
  }

  @Test
  void findExecutable_translatedJvm_armHomebrewBeforeAnIntelOneOnPath() {
    Set<Path> both =
        Set.of(
            Path.of("/usr/local/bin/qemu-system-aarch64"),
            Path.of("/opt/homebrew/bin/qemu-system-aarch64"));
    Host translated =
        LaunchHosts.appleSiliconTranslatedJvm()
            .withLaunch(
                "darwin",
                "x86_64",
                new DescribedLaunchFacts(
                    true, true, List.of(Path.of("/usr/local/bin")), both, null));
    assertThat(translated.findExecutable("qemu-system-aarch64"))
        .contains(Path.of("/opt/homebrew/bin/qemu-system-aarch64"));
  }

  @Test
  void qemuVersion_parsedFromTheFirstLine() {
    assertThat(
            QemuVersion.parse(
                "QEMU emulator version 7.2.15 (Debian 1:7.2+dfsg-7+deb12u6)\nCopyright"))
        .contains(new QemuVersion(7, 2, 15));
    assertThat(QemuVersion.parse("QEMU emulator version 9.2\n")).contains(new QemuVersion(9, 2, 0));
    assertThat(QemuVersion.parse("garbage")).isEmpty();
    assertThat(new QemuVersion(8, 2, 0).isBefore(new QemuVersion(8, 2, 1))).isTrue();
  }
}
