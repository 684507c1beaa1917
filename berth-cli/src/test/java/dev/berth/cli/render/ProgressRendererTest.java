package dev.berth.cli.render;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.MachineEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProgressRendererTest {
  private final StringWriter text = new StringWriter();

  private ProgressRenderer renderer(boolean terminal, boolean quiet) {
    return ProgressRenderer.of(new PrintWriter(text), terminal, quiet);
  }

  @Test
  void stepsAndWarnings_asLines() {
    ProgressRenderer progress = renderer(false, false);

    progress.accept(new MachineEvent.Step("Starting machine \"m\""));
    progress.accept(
        new MachineEvent.Warning("the agent of machine \"m\" (pid 7) did not stop; ending it"));

    assertThat(text.toString())
        .isEqualTo(
            "Starting machine \"m\"\n"
                + "Warning: the agent of machine \"m\" (pid 7) did not stop; ending it\n");
  }

  @Test
  void quiet_onlyWarnings() {
    ProgressRenderer progress = renderer(false, true);

    progress.accept(new MachineEvent.Step("Creating disk (20 GiB)"));
    progress.accept(new MachineEvent.Transfer("disk", 10, 20));
    progress.accept(new MachineEvent.Warning("skipped pruning old images: busy"));

    assertThat(text.toString()).isEqualTo("Warning: skipped pruning old images: busy\n");
  }

  @Test
  void transferNotOnATerminal_plainLineWithFigures() {
    ProgressRenderer progress = renderer(false, false);

    progress.accept(new MachineEvent.Transfer("image.qcow2.xz", 2048, 2048));

    assertThat(text.toString()).startsWith("image.qcow2.xz: 2KiB / 2KiB, ").endsWith("/s\n");
  }

  @Test
  void transferOnATerminal_barRedrawnInPlace_closedByTheNextStep() {
    ProgressRenderer progress = renderer(true, false);

    progress.accept(new MachineEvent.Transfer("image", 0, 100));
    progress.accept(new MachineEvent.Step("Creating disk (20 GiB)"));

    assertThat(text.toString())
        .startsWith("\rimage [" + " ".repeat(30) + "] 0B / 100B, 0B/s")
        .endsWith("\u001b[K\nCreating disk (20 GiB)\n");
  }

  @Test
  void endOfAStartAndStatus_leftToTheCommand() {
    ProgressRenderer progress = renderer(false, false);

    progress.accept(new MachineEvent.Ready("/tmp/api.sock"));
    progress.accept(new MachineEvent.Failed("did not start", "hint", List.of("console")));
    progress.accept(new MachineEvent.Stopped());
    progress.accept(new MachineEvent.Status("RUNNING", 1));

    assertThat(text.toString()).isEmpty();
  }
}
