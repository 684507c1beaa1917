package dev.berth.net.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

class ScutilDnsTest {

  /** {@code scutil --dns} on macOS 14 with Wi-Fi and a split-DNS VPN domain (addresses changed). */
  private static final String SAMPLE =
      """
            DNS configuration

            resolver #1
              search domain[0] : lan
              nameserver[0] : 192.168.1.1
              nameserver[1] : fe80::1%en0
              nameserver[2] : 2001:db8::1
              if_index : 11 (en0)
              flags    : Request A records, Request AAAA records
              reach    : 0x00020002 (Reachable,Directly Reachable Address)

            resolver #2
              domain   : corp.example
              nameserver[0] : 10.8.0.1
              flags    : Request A records
              reach    : 0x00000003 (Reachable,Transient Connection)
              order    : 1

            resolver #3
              domain   : local
              options  : mdns
              timeout  : 5
              flags    : Request A records, Request AAAA records
              reach    : 0x00000000 (Not Reachable)
              order    : 300000

            resolver #4
              nameserver[0] : 192.168.1.1
              nameserver[1] : 9.9.9.9
              flags    : Request A records

            DNS configuration (for scoped queries)

            resolver #1
              search domain[0] : lan
              nameserver[0] : 172.16.0.1
              if_index : 11 (en0)
              flags    : Scoped, Request A records, Request AAAA records
              reach    : 0x00020002 (Reachable,Directly Reachable Address)
            """;

  @Test
  void theResolversForEveryNameInOrderWithoutSplitDomainsZonesOrScopedOnes() throws Exception {
    assertThat(ScutilDns.parse(SAMPLE))
        .containsExactly(at("192.168.1.1"), at("2001:db8::1"), at("9.9.9.9"));
    assertThat(ScutilDns.parse("No DNS configuration available\n")).isEmpty();
  }

  private static InetSocketAddress at(String ip) throws Exception {
    return new InetSocketAddress(InetAddress.getByName(ip), 53);
  }
}
