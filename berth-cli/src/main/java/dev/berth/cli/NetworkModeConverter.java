package dev.berth.cli;

import dev.berth.agent.NetworkMode;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --network berth|slirp}. */
final class NetworkModeConverter implements ITypeConverter<NetworkMode> {
  @Override
  public NetworkMode convert(String value) {
    for (NetworkMode mode : NetworkMode.values()) {
      if (mode.flagValue().equals(value.toLowerCase(Locale.ROOT))) {
        return mode;
      }
    }
    throw new TypeConversionException(
        "unknown network \""
            + value
            + "\": use berth (Berth's network, the default) or slirp (QEMU's)");
  }
}
