package dev.berth.agent.client;

import dev.berth.BerthException;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.MachineState;
import dev.berth.machine.Machines;
import dev.berth.machine.UserName;
import dev.berth.net.api.ApiClient;
import dev.berth.net.forward.Forward;
import dev.berth.ssh.HostKeyPin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reaching into a running machine from a command: its published ports, and an SSH session. */
public final class MachineAccess {
  private final Machines machines;

  public MachineAccess(Machines machines) {
    this.machines = machines;
  }

  /**
   * The forwards of a running machine's network: its SSH port and every port published in the
   * guest, from the network's API.
   */
  public List<Forward> ports(String name) {
    if (machines.status(name).state() != MachineState.RUNNING) {
      throw new BerthException(
          "machine \"" + name + "\" is not running", "start it with: berth start " + name);
    }
    Path socket = machines.runtime(name).networkApi();
    if (!Files.exists(socket)) {
      throw new BerthException(
          "machine \""
              + name
              + "\" runs on QEMU's network (--network=slirp), which publishes no ports",
          "restart it on Berth's network: berth stop " + name + " && berth start " + name);
    }
    try {
      return new ApiClient(socket).forwards();
    } catch (IOException e) {
      throw new BerthException(
          "cannot read the forwards of machine \""
              + name
              + "\" from "
              + socket
              + ": "
              + e.getMessage(),
          "see the agent's log: " + machines.runtime(name).agentLog());
    }
  }

  /** Runs the system {@code ssh} into the machine, returning its exit status. */
  public int ssh(String name, String username, List<String> command, boolean terminal) {
    if (username != null) {
      UserName.validate(username);
    }
    MachineConfig config = machines.status(name).config();
    if (machines.state(name) != MachineState.RUNNING) {
      throw new BerthException(
          "machine \"" + name + "\" is not running", "start it with: berth start " + name);
    }
    var pin = HostKeyPin.ofMachine(machines.dirs().machineConfig(name), name);
    String user =
        username != null ? username : config.rootful() ? "root" : config.ssh().remoteUsername();
    List<String> argv =
        new ArrayList<>(
            List.of(
                "ssh",
                "-i",
                config.ssh().identityPath().toString(),
                "-p",
                Integer.toString(config.ssh().port()),
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "StrictHostKeyChecking=yes",
                "-o",
                "UserKnownHostsFile=" + pin.knownHosts(),
                "-o",
                "HostKeyAlias=" + pin.alias(),
                "-o",
                "LogLevel=ERROR",
                "-o",
                "SetEnv=LC_ALL="));
    if (terminal && command.isEmpty()) {
      argv.add("-t");
    }
    argv.add(user + "@127.0.0.1");
    argv.addAll(command);
    try {
      return new ProcessBuilder(argv).inheritIO().start().waitFor();
    } catch (IOException e) {
      throw new BerthException("cannot run ssh: " + e.getMessage(), "install the OpenSSH client");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BerthException("interrupted");
    }
  }
}
