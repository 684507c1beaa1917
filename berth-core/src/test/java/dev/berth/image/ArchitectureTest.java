package dev.berth.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ArchitectureTest {

  @ParameterizedTest
  @CsvSource({"amd64,x86_64", "x86_64,x86_64", "aarch64,aarch64", "arm64,aarch64"})
  void fromOsArch_knownNames_mapToStreamNames(String osArch, String streamName) {
    assertThat(Architecture.fromOsArch(osArch).streamName()).isEqualTo(streamName);
  }

  @ParameterizedTest
  @CsvSource({"riscv64", "ppc64le", "s390x"})
  void fromOsArch_otherNames_throw(String osArch) {
    assertThatThrownBy(() -> Architecture.fromOsArch(osArch))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(osArch);
  }
}
