package dev.berth.net.dns;

import dev.berth.net.config.DnsUpstreams;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * macOS's resolvers, as {@code scutil --dns} lists them: on a Mac /etc/resolv.conf is only a copy
 * that can lag behind (VPNs, network changes). The list is read again at most every {@link
 * #REFRESH_SECONDS} s, in the background: the caller always gets the last list at once.
 */
final class ScutilDns implements DnsUpstreams {

  private static final Logger LOG = LoggerFactory.getLogger(ScutilDns.class);
  static final long REFRESH_SECONDS = 30;

  private final Callable<String> scutil;
  private final LongSupplier nanoClock;
  private long readAt;
  private boolean refreshing;
  private List<InetSocketAddress> servers;

  ScutilDns(Callable<String> scutil, LongSupplier nanoClock) {
    this.scutil = scutil;
    this.nanoClock = nanoClock;
    this.servers = read();
    this.readAt = nanoClock.getAsLong();
  }

  static ScutilDns system() {
    return new ScutilDns(ScutilDns::runScutil, System::nanoTime);
  }

  @Override
  public synchronized List<InetSocketAddress> servers() {
    if (!refreshing
        && nanoClock.getAsLong() - readAt >= TimeUnit.SECONDS.toNanos(REFRESH_SECONDS)) {
      refreshing = true;
      Thread t =
          new Thread(
              () -> {
                List<InetSocketAddress> fresh = read();
                synchronized (this) {
                  servers = fresh;
                  readAt = nanoClock.getAsLong();
                  refreshing = false;
                }
              },
              "berth-scutil-dns");
      t.setDaemon(true);
      t.start();
    }
    return servers;
  }

  private List<InetSocketAddress> read() {
    try {
      List<InetSocketAddress> result = parse(scutil.call());
      if (result.isEmpty()) {
        LOG.warn("scutil --dns lists no resolver: names outside the local zones will not resolve");
      }
      return result;
    } catch (Exception e) {
      LOG.warn("cannot read the host's resolvers with scutil --dns: {}", e.toString());
      return List.of();
    }
  }

  private static String runScutil() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("/usr/sbin/scutil", "--dns").redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("scutil --dns did not finish");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  /**
   * The nameservers of the resolvers that serve every name (those without a {@code domain}: the
   * others serve one domain, mDNS's {@code local} say), in the order listed, from the first section
   * (not the scoped queries'). Addresses with a zone ({@code fe80::1%en0}) are left out.
   */
  static List<InetSocketAddress> parse(String output) {
    Set<InetSocketAddress> result = new LinkedHashSet<>();
    List<InetSocketAddress> resolver = new ArrayList<>();
    boolean forEveryName = false;
    boolean inResolver = false;
    for (String raw : output.split("\n")) {
      String line = raw.trim();
      if (line.startsWith("DNS configuration") && line.contains("scoped")) {
        break;
      }
      if (line.startsWith("resolver #") || line.startsWith("DNS configuration")) {
        if (inResolver && forEveryName) {
          result.addAll(resolver);
        }
        resolver.clear();
        inResolver = line.startsWith("resolver #");
        forEveryName = true;
        continue;
      }
      int colon = line.indexOf(" : ");
      if (!inResolver || colon < 0) {
        continue;
      }
      String key = line.substring(0, colon).trim();
      String value = line.substring(colon + 3).trim();
      if (key.equals("domain")) {
        forEveryName = false;
      } else if (key.startsWith("nameserver[") && value.indexOf('%') < 0) {
        InetSocketAddress a = ResolvConf.literal(value);
        if (a != null) {
          resolver.add(a);
        }
      }
    }
    if (inResolver && forEveryName) {
      result.addAll(resolver);
    }
    return List.copyOf(result);
  }
}
