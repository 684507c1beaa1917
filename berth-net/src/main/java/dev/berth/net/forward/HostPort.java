package dev.berth.net.forward;

/**
 * {@code host:port} split as Go's {@code net.SplitHostPort} does for IPv4 and names; the host may
 * be empty.
 */
public record HostPort(String host, int port) {

  public static HostPort parse(String address) throws ForwardException {
    int colon = address.lastIndexOf(':');
    if (colon < 0) {
      throw new ForwardException("address " + address + ": missing port in address");
    }
    String host = address.substring(0, colon);
    if (host.indexOf(':') >= 0) {
      throw new ForwardException("address " + address + ": too many colons in address");
    }
    String port = address.substring(colon + 1);
    try {
      int p = Integer.parseInt(port);
      if (p < 0 || p > 65535 || !port.chars().allMatch(Character::isDigit)) {
        throw new NumberFormatException();
      }
      return new HostPort(host, p);
    } catch (NumberFormatException e) {
      throw new ForwardException("address " + address + ": invalid port \"" + port + "\"");
    }
  }
}
