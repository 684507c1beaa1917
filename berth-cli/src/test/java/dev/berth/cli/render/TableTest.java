package dev.berth.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void print_padsColumnsToTheWidestCell() {
    StringWriter out = new StringWriter();
    new Table()
        .row(List.of("NAME", "CPUS"))
        .row(List.of("a-long-name", "2"))
        .print(new PrintWriter(out, true));
    assertThat(out.toString()).isEqualTo("NAME          CPUS\na-long-name   2\n");
  }

  @Test
  void print_showsControlCharactersEscaped() {
    StringWriter out = new StringWriter();
    new Table()
        .row(List.of("HOST", "GUEST"))
        .row(List.of("127.0.0.1:80\u001b[2J\u009b31m", "a\nb"))
        .print(new PrintWriter(out, true));
    assertThat(out.toString())
        .doesNotContain("\u001b")
        .doesNotContain("\u009b")
        .contains("127.0.0.1:80\\u001b[2J\\u009b31m   a\\u000ab");
  }
}
