package dev.berth.net.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class DnsZoneTest {
  @Test
  void recordsMatchByNameThenByExpressionThenTheDefault() {
    DnsZone zone =
        new DnsZone(
            "test.",
            List.of(
                new DnsZone.Record("db", "10.0.0.1", null),
                new DnsZone.Record(null, "10.0.0.2", "^web-\\d+$")),
            "10.0.0.9");
    assertThat(zone.resolve("db").getHostAddress()).isEqualTo("10.0.0.1");
    assertThat(zone.resolve("DB").getHostAddress()).isEqualTo("10.0.0.1");
    assertThat(zone.resolve("web-12").getHostAddress()).isEqualTo("10.0.0.2");
    assertThat(zone.resolve("other").getHostAddress()).isEqualTo("10.0.0.9");
    assertThat(new DnsZone("test.", List.of(), null).resolve("other")).isNull();
  }

  @Test
  void aRecordWithoutAValidAddressIsRefused() {
    assertThatThrownBy(() -> new DnsZone.Record("a", "not-an-ip", null))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
