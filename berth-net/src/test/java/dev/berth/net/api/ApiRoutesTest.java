package dev.berth.net.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ApiRoutesTest {
  @Test
  void aRemoteWithoutAnIpTakesTheCallers() throws Exception {
    assertThat(ApiRoutes.withCallerIp(":8080", "192.168.127.2:40000"))
        .isEqualTo("192.168.127.2:8080");
    assertThat(ApiRoutes.withCallerIp("192.168.127.3:80", "192.168.127.2:40000"))
        .isEqualTo("192.168.127.3:80");
    assertThatThrownBy(() -> ApiRoutes.withCallerIp(":8080", "@"))
        .hasMessage("address @: missing port in address");
  }

  @Test
  void theProxyLineNamesTheCaller() throws Exception {
    assertThat(HttpConnection.proxyCaller("PROXY TCP4 192.168.127.2 192.168.127.1 40000 80"))
        .isEqualTo("192.168.127.2:40000");
    assertThatThrownBy(() -> HttpConnection.proxyCaller("GET / HTTP/1.1"))
        .isInstanceOf(HttpConnection.BadRequest.class);
  }
}
