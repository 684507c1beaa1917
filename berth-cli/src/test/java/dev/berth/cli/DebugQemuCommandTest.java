package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.image.Architecture;
import dev.berth.machine.BerthDirs;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineStore;
import dev.berth.os.Host;
import dev.berth.testing.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code berth debug qemu-command}: the line start would run, here or on a described host. */
class DebugQemuCommandTest {
  @TempDir Path dir;

  private Host host;

  /** A Fedora CoreOS machine (no kernel of its own: it boots through firmware), never started. */
  @BeforeEach
  void setUp() throws Exception {
    host = TestHosts.under(dir);
    Files.createDirectories(host.home());
    Path m = host.home().resolve("m");
    new MachineStore(BerthDirs.from(host))
        .write(
            new MachineConfig(
                MachineConfig.SCHEMA_VERSION,
                "m",
                Instant.parse("2026-01-02T03:04:05Z"),
                null,
                new MachineConfig.ImageInfo(
                    m.resolve("base.qcow2"),
                    "qcow2",
                    "sha256:ab",
                    "/src",
                    "testing",
                    "41.2",
                    null,
                    null),
                m.resolve("disk.qcow2"),
                m.resolve("ignition.ign"),
                false,
                new MachineConfig.Resources(2, 2048, 100),
                new MachineConfig.SshConfig(m.resolve("id_ed25519"), 2222, "core"),
                List.of(new MachineConfig.Mount(Path.of("/Users"), "/Users", false, "vol0", "9p")),
                false,
                501,
                "UTC"));
  }

  private List<String> argv(String... args) {
    CliRun run = CliRun.run(host, args);
    assertThat(run.exitCode()).as(run.toString()).isZero();
    return run.out().lines().toList();
  }

  @Test
  void darwinAarch64_withHvSupport_hvfHostCpuNoProcessName() {
    List<String> argv =
        argv("debug", "qemu-command", "m", "--host", "darwin/aarch64", "--hv-support=true");
    assertThat(argv.get(0)).isEqualTo("/opt/homebrew/bin/qemu-system-aarch64");
    assertThat(argv).containsSequence("-name", "m").containsSequence("-cpu", "host");
    assertThat(String.join(" ", argv))
        .contains("accel=hvf")
        .doesNotContain("process=")
        .contains("file=/opt/homebrew/share/qemu/edk2-aarch64-code.fd")
        .contains("if=pflash,format=raw,file=" + host.home().resolve("m/efi-vars.fd"));
    assertThat(host.home().resolve("m/efi-vars.fd"))
        .as("showing the line makes nothing")
        .doesNotExist();
  }

  @Test
  void darwinAarch64_withoutHvSupport_tcg() {
    CliRun run =
        CliRun.run(
            host, "debug", "qemu-command", "m", "--host", "darwin/aarch64", "--hv-support=false");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out())
        .contains("accel=tcg")
        .contains("max,pauth-impdef=on")
        .doesNotContain("hvf");
    assertThat(run.err()).contains("kern.hv_support");
  }

  @Test
  void darwinX86_64Translated_usesTheMacsAarch64() {
    CliRun run =
        CliRun.run(host, "debug", "qemu-command", "m", "--host", "darwin/x86_64", "--translated");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out().lines().findFirst()).contains("/opt/homebrew/bin/qemu-system-aarch64");
    assertThat(run.out()).contains("accel=hvf");
    assertThat(run.err()).contains("Rosetta");
  }

  @Test
  void linuxX86_64_namesTheProcess() {
    List<String> argv =
        argv("debug", "qemu-command", "m", "--host", "linux/x86_64", "--hv-support=true");
    assertThat(argv.get(0)).isEqualTo("/usr/bin/qemu-system-x86_64");
    assertThat(argv)
        .containsSequence("-name", "m,process=berth-m")
        .containsSequence("-machine", "q35,accel=kvm");
  }

  @Test
  void aarch64Machine_onThisX86_64Host_emulatedAarch64() throws Exception {
    MachineStore store = new MachineStore(BerthDirs.from(host));
    MachineConfig m = store.read("m");
    store.write(
        new MachineConfig(
            m.schemaVersion(),
            "arm",
            m.created(),
            null,
            m.image(),
            m.diskPath(),
            m.ignitionPath(),
            false,
            m.resources(),
            m.ssh(),
            m.mounts(),
            false,
            m.uid(),
            m.timezone(),
            null,
            null,
            Architecture.AARCH64));
    CliRun run =
        CliRun.run(
            host, "debug", "qemu-command", "arm", "--host", "linux/x86_64", "--hv-support=true");
    assertThat(run.exitCode()).as(run.toString()).isZero();
    assertThat(run.out().lines().findFirst()).contains("/usr/bin/qemu-system-aarch64");
    assertThat(run.out())
        .contains("virt,highmem=on,gic-version=max,accel=tcg")
        .doesNotContain("kvm");
    assertThat(run.err()).contains("aarch64 machine on an x86_64 host");
  }

  @Test
  void badHost_errorAndExit125() {
    CliRun.assertError(
        CliRun.run(host, "debug", "qemu-command", "m", "--host", "windows/x86_64"),
        "windows/x86_64");
    CliRun.assertError(
        CliRun.run(host, "debug", "qemu-command", "m", "--host", "darwin"), "OS/ARCH");
    CliRun.assertError(
        CliRun.run(host, "debug", "qemu-command", "m", "--host", "linux/aarch64", "--translated"),
        "Rosetta");
  }

  @Test
  void unknownMachine_error() {
    CliRun.assertError(
        CliRun.run(host, "debug", "qemu-command", "nope", "--host", "linux/x86_64"), "nope");
  }
}
