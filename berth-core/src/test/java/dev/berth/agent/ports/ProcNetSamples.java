package dev.berth.agent.ports;

/** Lines of a Debian 12 guest's {@code /proc/net} files, as its reporter sends them. */
final class ProcNetSamples {
  private ProcNetSamples() {}

  /** sshd on 0.0.0.0:22, listening. */
  static final String TCP_SSHD =
      "tcp    0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0"
          + "        0 13421 1 0000000000000000 100 0 0 10 0";

  /** systemd-resolved's stub on 127.0.0.53:53: loopback only. */
  static final String TCP_RESOLVED =
      "tcp    1: 3500007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   991"
          + "        0 12220 1 0000000000000000 100 0 0 10 5";

  /** The agent's own SSH connection, 192.168.127.2:22 from 192.168.127.1:50000: established. */
  static final String TCP_ESTABLISHED =
      "tcp    2: 027FA8C0:0016 017FA8C0:C350 01 00000000:00000000 02:0009F1A6 00000000     0"
          + "        0 14790 2 0000000000000000 20 4 29 10 -1";

  /** busybox httpd -p 8123 on [::]:8123. */
  static final String TCP6_HTTPD =
      "tcp6    0: 00000000000000000000000000000000:1FBB 00000000000000000000000000000000:0000 0A"
          + " 00000000:00000000 00:00000000 00000000  1000        0 20301 1 0000000000000000 100 0"
          + " 0 10 0";

  /** A server on [::1]:8080: loopback only. */
  static final String TCP6_LOOPBACK =
      "tcp6    1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A"
          + " 00000000:00000000 00:00000000 00000000  1000        0 20302 1 0000000000000000 100 0"
          + " 0 10 0";

  /** A server on [::ffff:192.168.127.2]:8081: the guest's address, IPv4-mapped. */
  static final String TCP6_MAPPED_GUEST =
      "tcp6    2: 0000000000000000FFFF0000027FA8C0:1F91 00000000000000000000000000000000:0000 0A"
          + " 00000000:00000000 00:00000000 00000000  1000        0 20303 1 0000000000000000 100 0"
          + " 0 10 0";

  /** A UDP echo server on 0.0.0.0:9999, unconnected. */
  static final String UDP_ECHO =
      "udp  512: 00000000:270F 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000"
          + "        0 24681 2 0000000000000000 0";

  /** A UDP socket connected to 192.168.127.1:53, reported in state CLOSE (07) with a peer. */
  static final String UDP_CONNECTED =
      "udp  700: 027FA8C0:A1B2 017FA8C0:0035 07 00000000:00000000 00:00000000 00000000   991"
          + "        0 24690 2 0000000000000000 0";

  /** An mDNS responder on [::]:5353. */
  static final String UDP6_MDNS =
      "udp6  345: 00000000000000000000000000000000:14E9 00000000000000000000000000000000:0000 07"
          + " 00000000:00000000 00:00000000 00000000   104        0 19990 2 0000000000000000 0";
}
