package dev.berth.net.stack;

/** Counters owned by the event loop; read them through a snapshot taken on the loop. */
public final class Stats {
  public long framesFromGuest;
  public long framesToGuest;
  public long bytesFromGuest;
  public long bytesToGuest;

  /** Frames longer than the MTU allows, or shorter than an Ethernet header. */
  public long framesDroppedSize;

  /** Frames that failed a header or checksum check, or that nothing handles. */
  public long framesDroppedInvalid;

  /** Frames to the guest that found the output full or did not fit the MTU. */
  public long framesDroppedOutput;

  /**
   * Connections and datagrams a forward refused: not from loopback to a loopback-only wildcard
   * listener.
   */
  public long forwardPeersRefused;
}
