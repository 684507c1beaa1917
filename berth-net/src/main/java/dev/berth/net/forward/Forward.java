package dev.berth.net.forward;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One forward as gvproxy's {@code /services/forwarder/all} lists it.
 *
 * @param local the host side: {@code ip:port} for tcp and udp, a socket path for unix
 * @param remote the guest side: {@code ip:port}, or {@code tcp://ip:port} for unix
 * @param protocol {@code tcp}, {@code udp} or {@code unix}
 */
public record Forward(
    @JsonProperty("local") String local,
    @JsonProperty("remote") String remote,
    @JsonProperty("protocol") String protocol) {}
