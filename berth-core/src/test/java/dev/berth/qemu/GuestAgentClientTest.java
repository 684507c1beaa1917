package dev.berth.qemu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.os.ChannelStreams;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a fake qemu-ga behind QEMU's end of the port. */
class GuestAgentClientTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @TempDir Path dir;
  private final List<JsonNode> received = new CopyOnWriteArrayList<>();

  /** {@code answer}: the bytes the guest sends for a request (and whether it is a sync). */
  private Path guest(byte[] staleOutput, BiFunction<JsonNode, Long, byte[]> answer)
      throws IOException {
    Path socket = dir.resolve("qga.sock");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    Thread thread =
        new Thread(
            () -> {
              try (server;
                  SocketChannel client = server.accept()) {
                OutputStream out = ChannelStreams.output(client);
                out.write(staleOutput);
                BufferedReader in =
                    new BufferedReader(
                        new InputStreamReader(
                            ChannelStreams.input(client), StandardCharsets.UTF_8));
                String line;
                while ((line = in.readLine()) != null) {
                  JsonNode request = MAPPER.readTree(line);
                  received.add(request);
                  out.write(answer.apply(request, request.at("/arguments/id").asLong()));
                }
              } catch (IOException e) {
                // the client went away
              }
            });
    thread.setDaemon(true);
    thread.start();
    return socket;
  }

  private static byte[] qemuGa(JsonNode request, long syncId) {
    String reply =
        request.get("execute").asText().equals("guest-sync-delimited")
            ? "\u00ff{\"return\": " + syncId + "}\n"
            : "{\"return\": {}}\n";
    return reply.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void setTime_afterSkippingStaleOutput_runsDateWithNanoseconds() throws Exception {
    Path socket =
        guest(
            "{\"return\": {}}\n{\"retu".getBytes(StandardCharsets.UTF_8),
            (request, id) -> withDate(request, id, 0));
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      qga.setTime(Instant.ofEpochSecond(1_800_000_000L, 123_456_789));
    }
    assertThat(received)
        .extracting(r -> r.get("execute").asText())
        .startsWith("guest-sync-delimited", "guest-exec")
        .doesNotContain("guest-set-time");
    assertThat(received.get(1).at("/arguments/arg/2").asText()).isEqualTo("@1800000000.123456789");
  }

  @Test
  void execute_guestError_isNamed() throws Exception {
    Path socket =
        guest(
            new byte[0],
            (request, id) ->
                request.get("execute").asText().equals("guest-set-time")
                    ? "{\"error\":{\"class\":\"GenericError\",\"desc\":\"hwclock failed\"}}\n"
                        .getBytes(StandardCharsets.UTF_8)
                    : qemuGa(request, id));
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> qga.execute("guest-set-time", null))
          .hasMessage("guest-set-time: GenericError: hwclock failed");
    }
  }

  private static String refusal(String description) {
    return "{\"error\":{\"class\":\"GenericError\",\"desc\":\"" + description + "\"}}";
  }

  /** {@code reply} as a line, or what {@link #qemuGa} answers where it is null. */
  private static byte[] orQemuGa(String reply, JsonNode request, long syncId) {
    return reply == null
        ? qemuGa(request, syncId)
        : (reply + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** qemu-ga that runs commands; {@code date} exits {@code dateStatus}. */
  private byte[] withDate(JsonNode request, long syncId, int dateStatus) {
    String reply =
        switch (request.get("execute").asText()) {
          case "guest-set-time" -> refusal("not to be used: it runs hwclock");
          case "guest-exec" -> "{\"return\":{\"pid\":4242}}";
          case "guest-exec-status" ->
              received.stream()
                          .filter(r -> r.get("execute").asText().equals("guest-exec-status"))
                          .count()
                      == 1
                  ? "{\"return\":{\"exited\":false}}"
                  : "{\"return\":{\"exitcode\":" + dateStatus + ",\"exited\":true}}";
          default -> null;
        };
    return orQemuGa(reply, request, syncId);
  }

  @Test
  void setTime_setsTheClockWithDate_notWithGuestSetTime_atTheTimeItRuns() throws Exception {
    Path socket = guest(new byte[0], (request, id) -> withDate(request, id, 0));
    Instant now = Instant.ofEpochSecond(1_800_000_000L, 123_456_789);
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      qga.setTime(now);
    }
    List<JsonNode> commands =
        received.stream()
            .filter(r -> !r.get("execute").asText().equals("guest-sync-delimited"))
            .toList();
    assertThat(commands)
        .extracting(r -> r.get("execute").asText())
        .containsExactly("guest-exec", "guest-exec-status", "guest-exec-status");
    JsonNode exec = commands.get(0).get("arguments");
    assertThat(exec.get("path").asText()).isEqualTo("/bin/date");
    assertThat(exec.get("arg")).extracting(JsonNode::asText).startsWith("-u", "-s");
    String at = exec.get("arg").get(2).asText();
    assertThat(at).matches("@\\d+\\.\\d{9}");
    Instant set =
        Instant.ofEpochSecond(
            Long.parseLong(at.substring(1, at.indexOf('.'))),
            Long.parseLong(at.substring(at.indexOf('.') + 1)));
    assertThat(set).isEqualTo(now);
    assertThat(commands.get(1).at("/arguments/pid").asLong()).isEqualTo(4242);
  }

  @Test
  void setTime_dateFailingInTheGuest_throws() throws Exception {
    Path socket = guest(new byte[0], (request, id) -> withDate(request, id, 1));
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> qga.setTime(Instant.now()))
          .hasMessage("/bin/date -s in the guest failed (exit status 1)");
    }
  }

  /**
   * qemu-ga that blocks guest-exec and whose hwclock failed after it set the clock; the guest then
   * reads {@code clock}.
   */
  private static byte[] hwclockFailed(JsonNode request, long syncId, Instant clock) {
    String reply =
        switch (request.get("execute").asText()) {
          case "guest-exec" -> refusal(GuestAgentClient.NOT_SUPPORTED);
          case "guest-set-time" -> refusal(GuestAgentClient.HWCLOCK_FAILED);
          case "guest-get-time" -> "{\"return\":" + clock.toEpochMilli() * 1_000_000 + "}";
          default -> null;
        };
    return orQemuGa(reply, request, syncId);
  }

  @Test
  void setTime_hwclockFailed_butTheClockWasSet_isDone() throws Exception {
    Path socket = guest(new byte[0], (request, id) -> hwclockFailed(request, id, Instant.now()));
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      qga.setTime(Instant.now());
    }
    assertThat(received).extracting(r -> r.get("execute").asText()).contains("guest-get-time");
  }

  @Test
  void setTime_hwclockFailed_andTheClockIsOff_throws() throws Exception {
    Instant stale = Instant.now().minusSeconds(60);
    Path socket = guest(new byte[0], (request, id) -> hwclockFailed(request, id, stale));
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> qga.setTime(Instant.now()))
          .hasMessageContaining("the guest's clock is -6");
    }
  }

  @Test
  void execute_silentGuest_givesUpAtTheDeadline() throws Exception {
    Path socket = guest(new byte[0], (request, id) -> new byte[0]);
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofMillis(300))) {
      assertThatThrownBy(() -> qga.setTime(Instant.EPOCH))
          .hasMessageContaining("gave no answer within 300 ms");
    }
  }

  @Test
  void execute_endlessLine_isRefused() throws Exception {
    byte[] flood = new byte[GuestAgentClient.MAX_LINE + 10];
    java.util.Arrays.fill(flood, (byte) 'x');
    Path socket =
        guest(
            new byte[0],
            (request, id) -> {
              byte[] answer = new byte[flood.length + 1];
              answer[0] = (byte) 0xFF;
              System.arraycopy(flood, 0, answer, 1, flood.length);
              return answer;
            });
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> qga.setTime(Instant.EPOCH)).hasMessageContaining("longer than");
    }
  }

  @Test
  void sync_wrongId_isRefused() throws Exception {
    Path socket = guest(new byte[0], (request, id) -> qemuGa(request, id + 1));
    try (GuestAgentClient qga = GuestAgentClient.connect(socket, Duration.ofSeconds(5))) {
      assertThatThrownBy(() -> qga.setTime(Instant.EPOCH))
          .hasMessageStartingWith("the guest agent answered the sync");
    }
  }
}
