package dev.berth.net.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;

/** A MINA SSHD client session behind {@link ForwardSession}. */
final class MinaForwardSession implements ForwardSession {

  /** gvproxy's SSH client timeout, for the alive probe. */
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);

  private final ClientSession session;

  MinaForwardSession(ClientSession session) {
    this.session = session;
  }

  @Override
  public boolean isOpen() {
    return session.isOpen();
  }

  /** A global request any server replies to (gvproxy's alive probe). */
  @Override
  public boolean answers() {
    if (!session.isOpen()) {
      return false;
    }
    try {
      String request = "alive@berth";
      Buffer b = session.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, request.length() + 8);
      b.putString(request);
      b.putBoolean(true);
      session.request(request, b, PROBE_TIMEOUT.toMillis());
      return true;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  @Override
  public Stream openUnixSocket(String path, Duration timeout) throws IOException {
    DirectStreamLocalChannel channel = new DirectStreamLocalChannel(path);
    try {
      session.getService(ConnectionService.class).registerChannel(channel);
      channel.open().verify(timeout);
    } catch (IOException | RuntimeException e) {
      channel.close(true);
      throw e;
    }
    return new Stream() {
      @Override
      public InputStream fromGuest() {
        return channel.getInvertedOut();
      }

      @Override
      public OutputStream toGuest() {
        return channel.getInvertedIn();
      }

      @Override
      public void close() throws IOException {
        channel.close();
      }
    };
  }

  @Override
  public void close() {
    session.close(true);
  }
}
