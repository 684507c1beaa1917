package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import org.junit.jupiter.api.Test;

class MachineNameTest {
  @Test
  void validate_podmanStyleNames_accepted() {
    assertThat(MachineName.validate("berth-default")).isEqualTo("berth-default");
    assertThat(MachineName.validate("a.b_c-1")).isEqualTo("a.b_c-1");
    assertThat(MachineName.validate("x".repeat(30))).hasSize(30);
  }

  @Test
  void validate_tooLong_saysTheLimit() {
    assertThatThrownBy(() -> MachineName.validate("x".repeat(31)))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("31 characters")
        .satisfies(
            e -> assertThat(((BerthException) e).hint()).contains("use at most 30 characters"));
  }

  @Test
  void validate_badCharacters_refused() {
    for (String bad : new String[] {"", "-lead", ".dot", "has space", "sl/ash", "ü"}) {
      assertThatThrownBy(() -> MachineName.validate(bad))
          .as(bad)
          .isInstanceOf(BerthException.class)
          .hasMessageContaining("invalid machine name");
    }
  }
}
