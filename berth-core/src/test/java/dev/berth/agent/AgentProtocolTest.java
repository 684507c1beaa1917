package dev.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.MachineEvent;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentProtocolTest {
  private static final List<MachineEvent> EVERY_KIND =
      List.of(
          new MachineEvent.Step("Starting QEMU"),
          new MachineEvent.Transfer("Fetching disk", 512, 1024),
          new MachineEvent.Warning("no hardware virtualization here"),
          new MachineEvent.Ready("/run/user/1000/berth/m/api.sock"),
          new MachineEvent.Failed("did not start", "see the log", List.of("line 1", "line 2")),
          new MachineEvent.Stopped(),
          new MachineEvent.Status("RUNNING", 4242));

  @Test
  void everyKind_roundTrips() throws IOException {
    for (MachineEvent event : EVERY_KIND) {
      assertThat(AgentProtocol.decode(AgentProtocol.encode(event))).isEqualTo(event);
    }
  }

  @Test
  void everyKindOfTheSealedType_isCovered() {
    assertThat(EVERY_KIND.stream().map(Object::getClass).distinct())
        .containsExactlyInAnyOrder(MachineEvent.class.getPermittedSubclasses());
  }

  @Test
  void typeNamesTheKind_oneLine() {
    assertThat(AgentProtocol.encode(new MachineEvent.Step("Waiting")))
        .isEqualTo("{\"type\":\"progress\",\"message\":\"Waiting\"}");
    assertThat(AgentProtocol.encode(new MachineEvent.Stopped()))
        .isEqualTo("{\"type\":\"stopped\"}");
    assertThat(AgentProtocol.encode(new MachineEvent.Failed("a\nb", null, List.of())))
        .isEqualTo("{\"type\":\"failed\",\"message\":\"a\\nb\",\"console\":[]}");
  }

  @Test
  void failedWithoutHintOrConsole_readsAsEmptyConsole() throws IOException {
    assertThat(AgentProtocol.decode("{\"type\":\"failed\",\"message\":\"m\",\"extra\":1}"))
        .isEqualTo(new MachineEvent.Failed("m", null, List.of()));
  }

  @Test
  void request_namesTheOperation() throws IOException {
    assertThat(AgentProtocol.request(AgentProtocol.WATCH)).isEqualTo("{\"op\":\"watch\"}\n");
    assertThat(AgentProtocol.operation(AgentProtocol.request(AgentProtocol.STOP)))
        .isEqualTo("stop");
    assertThat(AgentProtocol.operation(null)).isEmpty();
  }
}
