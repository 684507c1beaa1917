package dev.berth.ssh;

import java.io.IOException;
import org.apache.sshd.client.channel.AsyncCapableClientChannel;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.channel.ChannelPipedInputStream;
import org.apache.sshd.common.channel.LocalWindow;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * OpenSSH's {@code direct-streamlocal@openssh.com} channel: a connection to a unix socket on the
 * server, which MINA SSHD's client does not offer. The request carries the socket path and two
 * reserved fields (OpenSSH PROTOCOL, section 2.4).
 *
 * <pre>
 * byte    SSH_MSG_CHANNEL_OPEN
 * string  "direct-streamlocal@openssh.com"
 * uint32  sender channel, initial window size, maximum packet size
 * string  socket path
 * string  reserved ("")
 * uint32  reserved (0)
 * </pre>
 */
public final class ChannelDirectStreamLocal extends AsyncCapableClientChannel {
  public static final String TYPE = "direct-streamlocal@openssh.com";

  private final String socketPath;

  public ChannelDirectStreamLocal(String socketPath) {
    super(TYPE, false);
    this.socketPath = socketPath;
  }

  @Override
  public synchronized OpenFuture open() throws IOException {
    if (closeFuture.isClosed()) {
      throw new SshException("session has been closed");
    }
    openFuture = new DefaultOpenFuture(socketPath, futureLock);
    LocalWindow window = getLocalWindow();
    Buffer buffer =
        getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_OPEN, socketPath.length() + 64);
    buffer.putString(TYPE);
    buffer.putUInt(getChannelId());
    buffer.putUInt(window.getSize());
    buffer.putUInt(window.getPacketSize());
    buffer.putString(socketPath);
    buffer.putString("");
    buffer.putUInt(0);
    writePacket(buffer);
    return openFuture;
  }

  /**
   * The far end stopped writing: end our input stream now. MINA would end it only when the
   * channel closes, which the server does only after we send EOF too; a client waiting for the
   * response to end before it closes (an HTTP hijack, as in {@code podman exec}) would then wait
   * forever.
   */
  @Override
  public void handleEof() throws IOException {
    super.handleEof();
    if (getInvertedOut() instanceof ChannelPipedInputStream piped) {
      piped.eof();
    }
  }
}
