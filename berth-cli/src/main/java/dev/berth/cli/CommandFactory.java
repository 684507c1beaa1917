package dev.berth.cli;

import picocli.CommandLine;

/** Builds commands, handing the root its context. */
final class CommandFactory implements CommandLine.IFactory {
  private final CliContext context;

  CommandFactory(CliContext context) {
    this.context = context;
  }

  @Override
  public <K> K create(Class<K> type) throws Exception {
    if (type == BerthCommand.class) {
      return type.cast(new BerthCommand(context));
    }
    return CommandLine.defaultFactory().create(type);
  }
}
