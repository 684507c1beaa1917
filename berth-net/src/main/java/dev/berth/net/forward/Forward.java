package dev.berth.net.forward;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One forward as gvproxy's {@code /services/forwarder/all} lists it, with who made it. gvproxy's
 * clients decode the list with Go's {@code encoding/json}, which ignores the extra field.
 *
 * @param local the host side: {@code ip:port} for tcp and udp, a socket path for unix
 * @param remote the guest side: {@code ip:port}, or {@code tcp://ip:port} for unix
 * @param protocol {@code tcp}, {@code udp} or {@code unix}
 * @param origin who made it ({@link PortForwards.Origin#label()}), or null where not known (a
 *     request, a forward read back from an older list)
 */
public record Forward(
    @JsonProperty("local") String local,
    @JsonProperty("remote") String remote,
    @JsonProperty("protocol") String protocol,
    @JsonProperty("origin") @JsonInclude(JsonInclude.Include.NON_NULL) String origin) {

  /** A forward of no stated origin: a request, or gvproxy's own schema. */
  public Forward(String local, String remote, String protocol) {
    this(local, remote, protocol, null);
  }
}
