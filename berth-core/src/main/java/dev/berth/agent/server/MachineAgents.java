package dev.berth.agent.server;

import dev.berth.agent.NetworkMode;
import dev.berth.agent.QemuLaunch;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.Machines;
import dev.berth.os.Host;
import dev.berth.qemu.Accelerator;
import dev.berth.qemu.GuestAgentClient;
import dev.berth.qemu.QemuCommand;
import dev.berth.qemu.QemuHost;
import dev.berth.ssh.GuestSsh;
import dev.berth.ssh.HostKeyPin;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Assembles the agent of a machine from the real parts: this is where the host is read. */
public final class MachineAgents {
  private static final Duration SSH_LOGIN_TIMEOUT = Duration.ofSeconds(10);

  /** Writing or reading a saved state: the guest's memory, at the speed of the disk. */
  private static final Duration MIGRATION_TIMEOUT = Duration.ofMinutes(3);

  private static final Duration GUEST_AGENT_TIMEOUT = Duration.ofSeconds(3);

  private MachineAgents() {}

  /** How the agent runs the machine, as {@code berth start} asks. */
  public record Options(Duration readyTimeout, Accelerator accelerator, NetworkMode network) {}

  /** The agent of machine {@code name}, run by this process. */
  public static MachineAgent create(Machines machines, String name, Options options, Clock clock) {
    HostKeyPin pin = HostKeyPin.ofMachine(machines.dirs().machineConfig(name), name);
    return new MachineAgent(
        of(machines, name),
        machines.runtime(name),
        new MachineAgent.Settings(
            options.readyTimeout(),
            options.accelerator(),
            options.network(),
            machines.host().env().get(MachineNetwork.SLIRP_PORTS_VARIABLE),
            MachineNetwork.configFor(machines.host()),
            new MachineAgent.QemuLaunches() {
              @Override
              public QemuLaunch of(
                  MachineConfig config, QemuCommand.Network network, boolean firstBoot) {
                return QemuLaunch.of(
                    machines.host(),
                    name,
                    config,
                    machines.runtime(name),
                    options.accelerator(),
                    network,
                    firstBoot);
              }

              @Override
              public void lookUpHost(MachineConfig config) {
                Host host = machines.host();
                QemuHost.binary(host, config.guestArch(host))
                    .ifPresent(qemu -> host.launch().qemuVersion(qemu));
              }
            }),
        new MachineAgent.Parts(
            AgentClock.system(clock),
            QemuProcess.processes(),
            GuestMonitor.qmp(),
            GuestShell.ssh(new GuestSsh.Client(pin), SSH_LOGIN_TIMEOUT),
            SavedStates.beside(clock, MIGRATION_TIMEOUT),
            now -> {
              try (GuestAgentClient guestAgent =
                  GuestAgentClient.connect(
                      machines.runtime(name).guestAgent(), GUEST_AGENT_TIMEOUT)) {
                guestAgent.setTime(now);
              }
            }));
  }

  private static AgentMachine of(Machines machines, String name) {
    return new AgentMachine() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public MachineConfig config() {
        return machines.status(name).config();
      }

      @Override
      public boolean beginFirstBoot() {
        return machines.beginFirstBoot(name);
      }

      @Override
      public void recordLastUp(Instant when) {
        machines.recordLastUp(name, when);
      }

      @Override
      public void createRuntime() {
        machines.createRuntime(name);
      }
    };
  }
}
