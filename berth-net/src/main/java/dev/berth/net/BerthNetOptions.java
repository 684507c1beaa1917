package dev.berth.net;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What standalone berth-net is asked to do, in gvproxy's terms: the values of its flags as given,
 * checked by {@link BerthNetMain#run}. Both front ends fill it: {@link BerthNetMain#main}'s own
 * parser and the {@code berth net} command.
 */
public final class BerthNetOptions {
  /** {@code -listen-qemu}: unix:///PATH or tcp://HOST:PORT, QEMU's 4-byte big-endian framing. */
  public final List<String> listenQemu = new ArrayList<>();

  /** {@code -listen-stream-le}: unix:///PATH, 2-byte little-endian framing. */
  public final List<String> listenStreamLe = new ArrayList<>();

  /** {@code -listen}: unix:///PATH, the HTTP API with {@code /connect}. */
  public final List<String> listen = new ArrayList<>();

  /** {@code -services}: unix:///PATH, the HTTP API without {@code /connect}. */
  public final List<String> services = new ArrayList<>();

  public final List<String> forwardSock = new ArrayList<>();
  public final List<String> forwardDest = new ArrayList<>();
  public final List<String> forwardUser = new ArrayList<>();
  public final List<String> forwardIdentity = new ArrayList<>();

  /** {@code -listen-stdio}: gvproxy takes any non-empty value as "yes". */
  public boolean listenStdio;

  /** {@code -ssh-port}: the host's 127.0.0.1 port to the guest's 22; -1 for none. */
  public int sshPort = 2222;

  /** {@code -mtu}: 0 means gvproxy's 1500. */
  public int mtu;

  /** {@code -dns-upstream HOST:PORT}, or null for the host's resolver. */
  public String dnsUpstream;

  public Path pidFile;
  public Path logFile;
  public boolean debug;
  public boolean guestAnyAddress;
  public boolean guestPrivilegedPorts;
}
