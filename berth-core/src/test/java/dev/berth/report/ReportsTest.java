package dev.berth.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReportsTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static MachineConfig config(String name, Instant lastUp, MachineConfig.ImageInfo image) {
    return new MachineConfig(
        MachineConfig.SCHEMA_VERSION,
        name,
        Instant.parse("2026-01-02T03:04:05Z"),
        lastUp,
        image,
        Path.of("/m/disk.qcow2"),
        Path.of("/m/ignition.ign"),
        false,
        new MachineConfig.Resources(2, 2048, 100),
        new MachineConfig.SshConfig(Path.of("/m/id"), 2222, "core"),
        List.of(),
        false,
        1000,
        "UTC");
  }

  @Test
  void listEntry_sizesInBytesAsStrings_neverUpIsGosZeroTime() throws Exception {
    String json =
        MAPPER.writeValueAsString(
            MachineListEntry.of(config("a", null, null), MachineState.STARTING, true));
    assertThat(json)
        .isEqualTo(
            "{\"Name\":\"a\",\"Default\":true,\"Created\":\"2026-01-02T03:04:05Z\","
                + "\"LastUp\":\"0001-01-01T00:00:00Z\",\"Running\":false,\"Starting\":true,"
                + "\"Stream\":\"default\",\"VMType\":\"qemu\",\"CPUs\":2,\"Memory\":\"2147483648\","
                + "\"DiskSize\":\"107374182400\",\"Port\":2222,\"RemoteUsername\":\"core\","
                + "\"IdentityPath\":\"/m/id\",\"UserModeNetworking\":true}");
  }

  @Test
  void inspection_baseImageFieldsOnlyWithAnImage_andThenEvenWhenNull() throws Exception {
    MachineConfig.ImageInfo image =
        new MachineConfig.ImageInfo(
            Path.of("/cache/base.qcow2"), "qcow2", null, "/src", null, null, null, null);
    String withImage =
        MAPPER.writeValueAsString(
            MachineInspection.of(
                config("a", null, image),
                MachineState.RUNNING,
                "aarch64",
                Path.of("/c"),
                Path.of("/api"),
                Path.of("/m/disk.qcow2.state"),
                Optional.empty(),
                null));
    assertThat(withImage)
        .contains(
            "\"Image\":{\"IgnitionFilePath\":{\"Path\":\"/m/ignition.ign\"},\"ImageStream\":\"default\","
                + "\"ImagePath\":{\"Path\":\"/m/disk.qcow2\"},\"ImageVersion\":null,"
                + "\"BaseImage\":\"/cache/base.qcow2\",\"Digest\":null}")
        .contains("\"State\":\"running\"")
        .contains("\"Name\":\"a\",\"Arch\":\"aarch64\"")
        .contains("\"ConnectionInfo\":{\"PodmanSocket\":{\"Path\":\"/api\"},\"PodmanPipe\":null}");
    String without =
        MAPPER.writeValueAsString(
            MachineInspection.of(
                config("a", null, null),
                MachineState.STOPPED,
                "x86_64",
                Path.of("/c"),
                Path.of("/api"),
                Path.of("/m/disk.qcow2.state"),
                Optional.of(1234L),
                new MachineInspection.Disk(107374182400L, 4096L)));
    assertThat(without)
        .contains("\"ImagePath\":{\"Path\":\"/m/disk.qcow2\"}},")
        .doesNotContain("ImageVersion");
    assertThat(withImage).contains("\"SaveState\":false,\"SavedState\":null");
    assertThat(without).contains("\"SavedState\":{\"Path\":\"/m/disk.qcow2.state\",\"Size\":1234}");
    assertThat(without).contains("\"Disk\":{\"VirtualSize\":107374182400,\"ActualSize\":4096}");
    assertThat(withImage).doesNotContain("\"Disk\"");
  }

  @Test
  void listOrder_upFirst_thenMostRecentlyUp_thenByName() {
    Instant early = Instant.parse("2026-01-01T00:00:00Z");
    Instant late = Instant.parse("2026-02-01T00:00:00Z");
    List<MachineList.Row> rows =
        new ArrayList<>(
            List.of(
                new MachineList.Row(config("never-b", null, null), MachineState.STOPPED, false),
                new MachineList.Row(config("early", early, null), MachineState.STOPPED, false),
                new MachineList.Row(config("never-a", null, null), MachineState.STOPPED, false),
                new MachineList.Row(config("late", late, null), MachineState.STOPPED, false),
                new MachineList.Row(config("running", early, null), MachineState.RUNNING, false)));
    rows.sort(MachineList.ORDER);
    assertThat(rows)
        .extracting(r -> r.config().name())
        .containsExactly("running", "late", "early", "never-a", "never-b");
  }

  @Test
  void goArch_podmansNames() {
    assertThat(MachineInfo.goArch("x86_64")).isEqualTo("amd64");
    assertThat(MachineInfo.goArch("aarch64")).isEqualTo("arm64");
    assertThat(MachineInfo.goArch("riscv64")).isEqualTo("riscv64");
  }
}
