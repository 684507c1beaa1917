package dev.berth.cli;

import dev.berth.machine.Machines;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every verb shares: the context and the output streams picocli was given. */
abstract class BaseCommand implements Callable<Integer> {
  @Spec CommandSpec spec; // initialized by picocli

  CliContext context() {
    return ((BerthCommand) spec.root().userObject()).context();
  }

  Machines machines() {
    return context().machines();
  }

  /** Starts machines, printing to this command's streams. */
  MachineStarter starter() {
    return new MachineStarter(context(), out(), err());
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }
}
