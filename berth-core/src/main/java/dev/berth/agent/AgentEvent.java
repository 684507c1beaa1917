package dev.berth.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One line of the agent's control protocol: newline-delimited JSON on its unix socket. A client
 * sends one request ({@code {"op":"status"|"watch"|"stop"}}) and reads events until the agent
 * closes the connection.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentEvent(
    String type, String message, String hint, List<String> console, String state, Long pid) {
  public static final String STATUS = "status";
  public static final String PROGRESS = "progress";
  public static final String WARNING = "warning";
  public static final String READY = "ready";
  public static final String FAILED = "failed";
  public static final String STOPPED = "stopped";

  static AgentEvent progress(String message) {
    return new AgentEvent(PROGRESS, message, null, null, null, null);
  }

  static AgentEvent warning(String message) {
    return new AgentEvent(WARNING, message, null, null, null, null);
  }

  static AgentEvent ready(String apiSocket) {
    return new AgentEvent(READY, apiSocket, null, null, null, null);
  }

  static AgentEvent failed(String message, String hint, List<String> console) {
    return new AgentEvent(FAILED, message, hint, console, null, null);
  }

  static AgentEvent stopped() {
    return new AgentEvent(STOPPED, null, null, null, null, null);
  }

  static AgentEvent status(String state, long pid) {
    return new AgentEvent(STATUS, null, null, null, state, pid);
  }

  /** Whether this event ends a start: the machine is ready, or it will not be. */
  public boolean endsStart() {
    return READY.equals(type) || FAILED.equals(type) || STOPPED.equals(type);
  }
}
