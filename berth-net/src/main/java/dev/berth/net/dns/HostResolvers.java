package dev.berth.net.dns;

import dev.berth.net.config.DnsUpstreams;
import java.nio.file.Path;

/** The {@link DnsUpstreams} a host has. */
public final class HostResolvers {
  private HostResolvers() {}

  /**
   * The host's resolvers: {@code /etc/resolv.conf}, or on macOS ({@code darwin}) what {@code scutil
   * --dns} lists.
   */
  public static DnsUpstreams of(boolean darwin) {
    return darwin ? ScutilDns.system() : ResolvConf.system();
  }

  /** The nameservers of {@code resolvConf}, read again when the file changes. */
  public static DnsUpstreams resolvConf(Path resolvConf) {
    return new ResolvConf(resolvConf, System::nanoTime);
  }
}
