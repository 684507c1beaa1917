package dev.berth.net.stack;

import java.util.function.IntFunction;

/**
 * The source ports the gateway uses towards a guest for inbound forwards (TCP connections, UDP
 * sessions): IANA's dynamic range, taken in turn, so that a port is used again as late as possible.
 */
final class EphemeralPorts {

  private static final int FIRST = 49152;
  private static final int COUNT = 65536 - FIRST;

  /**
   * How far past a port in TIME-WAIT to look for a free one. Ports come in turn, so the ones next
   * in turn are the longest unused: when all of these are taken, the range is nearly full and
   * waiting for TIME-WAIT to end would refuse connections (above about 16,384 per TIME-WAIT
   * period).
   */
  static final int LOOK_AHEAD = 64;

  /** What a port is to the connection being opened. */
  enum Use {
    FREE,
    TIME_WAIT,
    BUSY
  }

  private final int first;
  private final int count;
  private int next;

  EphemeralPorts() {
    this(FIRST, COUNT);
  }

  EphemeralPorts(int first, int count) {
    this.first = first;
    this.count = count;
  }

  /**
   * The next free port; else the first in turn whose connection is in TIME-WAIT, for the caller to
   * end (as Linux reuses a TIME-WAIT port for an outgoing connection); -1 when every port is busy.
   */
  int take(IntFunction<Use> use) {
    int reusable = -1;
    int pastReusable = 0;
    for (int tries = 0; tries < count; tries++) {
      int port = first + next;
      next = (next + 1) % count;
      Use u = use.apply(port);
      if (u == Use.FREE) {
        return port;
      }
      if (reusable < 0 && u == Use.TIME_WAIT) {
        reusable = port;
      } else if (reusable >= 0 && ++pastReusable >= LOOK_AHEAD) {
        break;
      }
    }
    if (reusable >= 0) {
      // The ports looked at past it are still the oldest: their turn comes next.
      next = (reusable - first + 1) % count;
    }
    return reusable;
  }
}
