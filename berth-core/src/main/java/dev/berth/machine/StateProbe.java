package dev.berth.machine;

/**
 * Finds a machine's state by asking what is alive (its agent, its QEMU), never from a flag left in
 * a file, so that the answer is true after any crash.
 */
public interface StateProbe {
  MachineState probe(String name);
}
