/**
 * The agent of one running machine, in a process of its own: {@link
 * dev.berth.agent.server.MachineAgent} runs the machine with a {@code ControlServer} (the control
 * socket and its event fan-out), {@code Readiness} (named checks under one deadline) and {@code
 * PowerOff}. QEMU, its monitor, SSH and time are behind {@link dev.berth.agent.server.QemuProcess},
 * {@link dev.berth.agent.server.GuestMonitor}, {@link dev.berth.agent.server.GuestShell} and {@link
 * dev.berth.agent.server.AgentClock}; {@link dev.berth.agent.server.MachineAgents} wires the real
 * ones.
 */
package dev.berth.agent.server;
