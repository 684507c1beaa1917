package dev.berth.net.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.Inet4Address;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A local DNS zone the gateway answers A queries for, as gvproxy's {@code types.Zone} (its JSON
 * keeps Go's field names).
 *
 * @param name the zone with its trailing dot, {@code containers.internal.}
 * @param records names in the zone, first match wins
 * @param defaultIp the answer for a name no record matches; null: NXDOMAIN
 */
public record DnsZone(
    @JsonProperty("Name") String name,
    @JsonProperty("Records") List<Record> records,
    @JsonProperty("DefaultIP") String defaultIp) {

  public DnsZone {
    Objects.requireNonNull(name, "Name");
    records = records == null ? List.of() : List.copyOf(records);
    if (defaultIp != null && !defaultIp.isEmpty()) {
      NetworkConfig.ipv4(defaultIp);
    }
  }

  /**
   * A name in the zone, given by the label before the zone or by a regular expression over it.
   *
   * @param name the label, {@code gateway}
   * @param ip its IPv4 address
   * @param regexp matched against the label when {@code name} does not equal it
   */
  public record Record(
      @JsonProperty("Name") String name,
      @JsonProperty("IP") String ip,
      @JsonProperty("Regexp") String regexp) {

    public Record {
      NetworkConfig.ipv4(Objects.requireNonNull(ip, "IP"));
      if (regexp != null && !regexp.isEmpty()) {
        Pattern.compile(regexp);
      }
    }

    /** As gvproxy: the name equals the label, or the expression matches somewhere in it. */
    boolean matches(String label) {
      return label.equalsIgnoreCase(name)
          || (regexp != null && !regexp.isEmpty() && Pattern.compile(regexp).matcher(label).find());
    }
  }

  /** The address for {@code label} (a name without the zone), or null. */
  public Inet4Address resolve(String label) {
    for (Record r : records) {
      if (r.matches(label)) {
        return NetworkConfig.ipv4(r.ip());
      }
    }
    return defaultIp == null || defaultIp.isEmpty() ? null : NetworkConfig.ipv4(defaultIp);
  }
}
