package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.BerthException;
import org.junit.jupiter.api.Test;

class UserNameTest {
  @Test
  void validate_posixNames_accepted() {
    for (String good : new String[] {"core", "_svc", "user-1", "a_b", "machine$", "u".repeat(32)}) {
      assertThat(UserName.validate(good)).isEqualTo(good);
    }
  }

  @Test
  void validate_optionsAndOtherNonNames_refused() {
    for (String bad :
        new String[] {
          "-oProxyCommand=touch /tmp/x",
          "-l",
          "Core",
          "a b",
          "a@b",
          "1user",
          "",
          "a$b",
          "u".repeat(33),
          "a\nb"
        }) {
      assertThatThrownBy(() -> UserName.validate(bad))
          .as(bad)
          .isInstanceOf(BerthException.class)
          .hasMessageContaining("invalid user name");
    }
  }
}
