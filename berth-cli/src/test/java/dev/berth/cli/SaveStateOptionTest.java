package dev.berth.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class SaveStateOptionTest {
  private static SaveStateOption parse(String... args) {
    SaveStateOption option = new SaveStateOption();
    new CommandLine(option).parseArgs(args);
    return option;
  }

  @Test
  void absent_setLeavesItAndInitTurnsItOn() {
    SaveStateOption option = parse();
    assertThat(option.value()).isNull();
    assertThat(option.orElse(true)).isTrue();
  }

  @Test
  void bareFlagMeansOn_andFalseMeansOff() {
    assertThat(parse("--save-state").value()).isTrue();
    assertThat(parse("--save-state=false").value()).isFalse();
    assertThat(parse("--save-state=false").orElse(true)).isFalse();
  }
}
