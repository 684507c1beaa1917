package dev.berth.net.config;

import java.util.Locale;

/** A 48-bit Ethernet address, held in the low bits of a long. */
public record MacAddress(long value) {

  public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);

  public MacAddress {
    if ((value & ~0xffff_ffff_ffffL) != 0) {
      throw new IllegalArgumentException("not a 48-bit value");
    }
  }

  public static MacAddress parse(String text) {
    String[] parts = text.split(":");
    if (parts.length != 6) {
      throw new IllegalArgumentException("not a MAC address: " + text);
    }
    long v = 0;
    for (String p : parts) {
      if (p.length() != 2) {
        throw new IllegalArgumentException("not a MAC address: " + text);
      }
      v = v << 8 | Integer.parseInt(p, 16);
    }
    return new MacAddress(v);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder(17);
    for (int shift = 40; shift >= 0; shift -= 8) {
      if (shift != 40) {
        s.append(':');
      }
      s.append(String.format(Locale.ROOT, "%02x", (value >>> shift) & 0xff));
    }
    return s.toString();
  }
}
