package dev.berth.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.Json;
import dev.berth.MachineEvent;
import java.io.IOException;

/**
 * The agent's control protocol, shared by {@code dev.berth.agent.client} and {@code
 * dev.berth.agent.server}: newline-delimited JSON on the agent's unix socket. A client sends one
 * request ({@code {"op":"status"|"watch"|"stop"|"shutdown"}}) and reads {@link MachineEvent}s until
 * the agent closes the connection.
 */
public final class AgentProtocol {
  public static final String STATUS = "status";
  public static final String WATCH = "watch";

  /** Stops the machine, saving its state when its setting allows. */
  public static final String STOP = "stop";

  /** Stops the machine with a full shutdown: nothing is saved, the next start boots. */
  public static final String SHUTDOWN = "shutdown";

  private static final ObjectMapper MAPPER = Json.plain();

  private AgentProtocol() {}

  /** The request line for {@code op}. */
  public static String request(String op) {
    return MAPPER.createObjectNode().put("op", op) + "\n";
  }

  /** The operation a request line asks for; empty when there is none. */
  public static String operation(String line) throws IOException {
    return line == null ? "" : MAPPER.readTree(line).path("op").asText();
  }

  /** One event as its line, without the newline. */
  public static String encode(MachineEvent event) {
    try {
      return MAPPER.writerFor(MachineEvent.class).writeValueAsString(event);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + event, e);
    }
  }

  /** The event on one line. */
  public static MachineEvent decode(String line) throws IOException {
    return MAPPER.readValue(line, MachineEvent.class);
  }
}
