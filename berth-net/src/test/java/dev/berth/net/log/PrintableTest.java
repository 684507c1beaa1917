package dev.berth.net.log;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrintableTest {

  @Test
  void controlCharactersAreEscapedSoNoLineCanBeForged() {
    assertThat(Printable.escape("a\nINFO forged\r\u001b[2J\u007f\u0085z"))
        .isEqualTo("a\\u000aINFO forged\\u000d\\u001b[2J\\u007f\\u0085z");
    assertThat(Printable.escape("127.0.0.1:8080 ü")).isEqualTo("127.0.0.1:8080 ü");
    assertThat(Printable.escape(null)).isEqualTo("null");
  }

  @Test
  void longTextIsCutAndSaysHowMuchWasLeftOut() {
    assertThat(Printable.of("x".repeat(1000), 10)).isEqualTo("xxxxxxxxxx...(990 more characters)");
    assertThat(Printable.of("short", 10)).isEqualTo("short");
    assertThat(Printable.of("\n".repeat(3), 2)).isEqualTo("\\u000a\\u000a...(1 more characters)");
  }
}
