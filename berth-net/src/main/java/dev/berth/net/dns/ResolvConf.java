package dev.berth.net.dns;

import dev.berth.net.config.DnsUpstreams;
import dev.berth.net.config.NetworkConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code nameserver} lines of a resolv.conf, in order. The file's modification time is looked
 * at again at most every {@link #RECHECK_SECONDS} s, and the file read again when it changed (a
 * laptop that moves to another network gets a new resolver without a restart of the machine).
 */
final class ResolvConf implements DnsUpstreams {

  private static final Logger LOG = LoggerFactory.getLogger(ResolvConf.class);
  static final long RECHECK_SECONDS = 5;

  /**
   * Literal addresses only (an IPv6 one may carry a zone): the host never resolves a name for this.
   */
  private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F:.]+(%[A-Za-z0-9._-]+)?");

  private final Path file;
  private final LongSupplier nanoClock;
  private long checkedAt;
  private boolean checked;
  private FileTime readVersion;
  private List<InetSocketAddress> servers = List.of();

  ResolvConf(Path file, LongSupplier nanoClock) {
    this.file = file;
    this.nanoClock = nanoClock;
  }

  static ResolvConf system() {
    return new ResolvConf(Path.of("/etc/resolv.conf"), System::nanoTime);
  }

  @Override
  public synchronized List<InetSocketAddress> servers() {
    long now = nanoClock.getAsLong();
    if (checked && now - checkedAt < TimeUnit.SECONDS.toNanos(RECHECK_SECONDS)) {
      return servers;
    }
    checked = true;
    checkedAt = now;
    FileTime version;
    try {
      version = Files.getLastModifiedTime(file);
    } catch (IOException e) {
      if (readVersion != null || servers.isEmpty()) {
        LOG.warn("cannot read the host's resolvers from {}: {}", file, e.toString());
      }
      readVersion = null;
      servers = List.of();
      return servers;
    }
    if (!version.equals(readVersion)) {
      readVersion = version;
      try {
        servers = parse(Files.readString(file));
        if (servers.isEmpty()) {
          LOG.warn("no nameserver in {}: names outside the local zones will not resolve", file);
        } else {
          LOG.info("host resolvers from {}: {}", file, servers);
        }
      } catch (IOException e) {
        LOG.warn("cannot read the host's resolvers from {}: {}", file, e.toString());
        servers = List.of();
      }
    }
    return servers;
  }

  /**
   * The nameservers of resolv.conf text, in order; lines that are not a literal address are
   * skipped.
   */
  static List<InetSocketAddress> parse(String text) {
    List<InetSocketAddress> result = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 2 && f[0].equals("nameserver")) {
        InetSocketAddress a = literal(f[1]);
        if (a != null) {
          result.add(a);
        }
      }
    }
    return result;
  }

  /**
   * {@code text} as the address of a resolver's port 53, or null when it is not a literal address.
   */
  static InetSocketAddress literal(String text) {
    if (!LITERAL.matcher(text).matches()) {
      return null;
    }
    try {
      // With a colon Java parses an IPv6 literal and never looks a name up; IPv4 is parsed by hand.
      InetAddress ip =
          text.indexOf(':') >= 0 ? InetAddress.getByName(text) : NetworkConfig.ipv4(text);
      return new InetSocketAddress(ip, PORT);
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }
}
