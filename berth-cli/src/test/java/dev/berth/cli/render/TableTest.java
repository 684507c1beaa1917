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
    new Table().row(List.of("NAME", "CPUS")).row(List.of("a-long-name", "2")).print(new PrintWriter(out, true));
    assertThat(out.toString()).isEqualTo("NAME          CPUS\na-long-name   2\n");
  }
}
