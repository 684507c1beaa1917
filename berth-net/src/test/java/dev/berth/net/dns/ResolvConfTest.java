package dev.berth.net.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResolvConfTest {

  @TempDir Path dir;

  @Test
  void everyNameserverInOrderLiteralAddressesOnly() throws Exception {
    assertThat(
            ResolvConf.parse(
                "# comment\nsearch lan\nnameserver 10.0.0.1\nnameserver  2001:db8::53\n"
                    + "nameserver resolver.example\nnameserver 999.1.1.1\noptions ndots:2\nnameserver 1.1.1.1 \n"))
        .containsExactly(at("10.0.0.1"), at("2001:db8::53"), at("1.1.1.1"));
  }

  @Test
  void theFileIsReadAgainWhenItChangesLookedAtEveryFewSecondsAtMost() throws Exception {
    Path file = dir.resolve("resolv.conf");
    write(file, "nameserver 10.0.0.1\n", 1);
    AtomicLong clock = new AtomicLong();
    ResolvConf conf = new ResolvConf(file, clock::get);
    assertThat(conf.servers()).containsExactly(at("10.0.0.1"));

    write(file, "nameserver 10.0.0.2\nnameserver 10.0.0.3\n", 2);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(ResolvConf.RECHECK_SECONDS - 1));
    assertThat(conf.servers()).as("not looked at yet").containsExactly(at("10.0.0.1"));
    clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
    assertThat(conf.servers()).containsExactly(at("10.0.0.2"), at("10.0.0.3"));

    Files.delete(file);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(ResolvConf.RECHECK_SECONDS));
    assertThat(conf.servers()).isEmpty();
  }

  private static void write(Path file, String text, int version) throws Exception {
    Files.writeString(file, text);
    Files.setLastModifiedTime(file, FileTime.from(Instant.ofEpochSecond(1_700_000_000L + version)));
  }

  private static InetSocketAddress at(String ip) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), 53);
  }
}
