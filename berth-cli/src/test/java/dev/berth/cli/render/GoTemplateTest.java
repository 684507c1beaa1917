package dev.berth.cli.render;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.BerthException;
import org.junit.jupiter.api.Test;

class GoTemplateTest {
  private static final JsonNode VALUE;

  static {
    try {
      VALUE =
          new ObjectMapper()
              .readTree(
                  "{\"Name\":\"m\",\"CPUs\":2,\"Running\":false,\"SSHConfig\":{\"Port\":2222},"
                      + "\"ConnectionInfo\":{\"PodmanSocket\":{\"Path\":\"/run/x.sock\"},\"PodmanPipe\":null}}");
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @Test
  void render_fieldsAndNestedFields() {
    assertThat(GoTemplate.parse("{{.Name}} {{ .CPUs }} {{.Running}}").render(VALUE))
        .isEqualTo("m 2 false");
    assertThat(GoTemplate.parse("{{.ConnectionInfo.PodmanSocket.Path}}").render(VALUE))
        .isEqualTo("/run/x.sock");
    assertThat(GoTemplate.parse("{{.ConnectionInfo.PodmanPipe}}").render(VALUE)).isEqualTo("<nil>");
  }

  @Test
  void render_jsonFunctionAndEscapes() {
    assertThat(GoTemplate.parse("{{json .SSHConfig}}\\t{{.Name}}").render(VALUE))
        .isEqualTo("{\"Port\":2222}\tm");
  }

  @Test
  void table_headerFromFieldNames() {
    GoTemplate template = GoTemplate.parse("table {{.Name}}\\t{{.LastUp}}");
    assertThat(template.isTable()).isTrue();
    assertThat(template.header()).isEqualTo("NAME\tLAST UP");
  }

  @Test
  void unknownFieldOrSyntax_clearError() {
    assertThatThrownBy(() -> GoTemplate.parse("{{.Nope}}").render(VALUE))
        .isInstanceOf(BerthException.class)
        .hasMessage("template field \".Nope\" does not exist");
    assertThatThrownBy(() -> GoTemplate.parse("{{range .X}}"))
        .isInstanceOf(BerthException.class)
        .hasMessageContaining("cannot understand the template");
  }
}
