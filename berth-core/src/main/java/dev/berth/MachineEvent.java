package dev.berth;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/**
 * What happens to a machine and the long operations around it, as core reports it: in-process to a
 * {@link ProgressListener}, and from a machine's agent to {@code berth start} as one JSON line each
 * on the agent's control socket ({@code "type"} names the kind). Core never says how an event looks
 * on a terminal; the CLI renders it.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = MachineEvent.Step.class, name = "progress"),
  @JsonSubTypes.Type(value = MachineEvent.Transfer.class, name = "transfer"),
  @JsonSubTypes.Type(value = MachineEvent.Warning.class, name = "warning"),
  @JsonSubTypes.Type(value = MachineEvent.Ready.class, name = "ready"),
  @JsonSubTypes.Type(value = MachineEvent.Failed.class, name = "failed"),
  @JsonSubTypes.Type(value = MachineEvent.Stopped.class, name = "stopped"),
  @JsonSubTypes.Type(value = MachineEvent.Status.class, name = "status")
})
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public sealed interface MachineEvent {
  /** A step has begun, e.g. "Creating disk". */
  record Step(String message) implements MachineEvent {}

  /**
   * Bytes of a transfer so far, reported repeatedly. {@code total} is -1 when unknown; the last
   * event of a transfer has {@code done == total}.
   */
  record Transfer(String task, long done, long total) implements MachineEvent {}

  /** Something degraded but the operation goes on. */
  record Warning(String message) implements MachineEvent {}

  /** The machine is ready: its host API socket answers. */
  record Ready(String apiSocket) implements MachineEvent {}

  /** The start failed: what and how to fix it, with the last lines of the guest's console. */
  record Failed(String message, String hint, List<String> console) implements MachineEvent {
    public Failed {
      console = console == null ? List.of() : List.copyOf(console);
    }
  }

  /** The agent has stopped the machine and is about to exit. */
  record Stopped() implements MachineEvent {}

  /** An agent's answer to {@code status}: the machine's state by name, and the agent's pid. */
  record Status(String state, long pid) implements MachineEvent {}

  /** Whether this event ends a start: the machine is ready, or it will not be. */
  default boolean endsStart() {
    return this instanceof Ready || this instanceof Failed || this instanceof Stopped;
  }
}
