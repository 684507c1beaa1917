package dev.berth.cli;

import dev.berth.machine.MachineName;
import picocli.CommandLine.ITypeConverter;

/**
 * A machine name argument, checked as it is parsed: a name becomes paths (its files, its lock, its
 * sockets), so "..", "." or "a/b" is refused before any verb runs.
 */
final class MachineNameConverter implements ITypeConverter<String> {
  @Override
  public String convert(String value) {
    return MachineName.validate(value);
  }
}
