package dev.berth.net.ssh;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import org.apache.sshd.client.session.ClientSession;

/**
 * An SSH session as a {@link UnixSocketForwarder} uses it: streams to unix sockets in the guest,
 * and whether the session still answers. Where sessions come from is the forwarder's user's
 * business (a {@link Source}); {@link #of} adapts a MINA SSHD session.
 */
public interface ForwardSession {

  /** Makes sessions for a forwarder. */
  @FunctionalInterface
  interface Source {
    /**
     * One attempt at a logged-in session. An {@link IOException} means "not now" (the guest is
     * still booting, the network dropped): the forwarder tries again under its policy. A runtime
     * exception (a refused host key) ends the attempts.
     */
    ForwardSession connect() throws IOException;
  }

  /** A stream to a unix socket in the guest. Closing {@link #toGuest()} sends EOF, not a close. */
  interface Stream extends Closeable {
    InputStream fromGuest();

    OutputStream toGuest();
  }

  boolean isOpen();

  /**
   * Whether the far end still replies to a request: a session can look open after its peer has
   * gone.
   */
  boolean answers();

  /** Opens a {@code direct-streamlocal} stream to {@code path} in the guest. */
  Stream openUnixSocket(String path, Duration timeout) throws IOException;

  /** Drops the session (the forwarder does when it no longer answers). */
  void close();

  /** A MINA SSHD client session as a forward session. */
  static ForwardSession of(ClientSession session) {
    return new MinaForwardSession(session);
  }
}
