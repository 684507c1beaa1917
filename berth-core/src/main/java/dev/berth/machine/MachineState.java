package dev.berth.machine;

/** What a machine is doing, as a live probe finds it. */
public enum MachineState {
  STOPPED("Stopped"),
  STARTING("Starting"),
  RUNNING("Running"),
  STOPPING("Stopping"),
  /** Its agent runs but did not answer in time: busy, hung or stopped by a signal. */
  UNRESPONSIVE("Unresponsive");

  private final String display;

  MachineState(String display) {
    this.display = display;
  }

  /** podman's spelling, as in {@code inspect} and {@code info}. */
  public String display() {
    return display;
  }
}
