package dev.berth.net.ssh;

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
 * OpenSSH's {@code direct-streamlocal@openssh.com} channel, which MINA SSHD's client does not
 * offer: a stream to a unix socket on the server. The request names the socket and carries two
 * reserved fields (OpenSSH PROTOCOL, section 2.4): {@code string path, string "", uint32 0} after
 * the usual channel id, window and packet size.
 */
public final class DirectStreamLocalChannel extends AsyncCapableClientChannel {

  public static final String TYPE = "direct-streamlocal@openssh.com";

  private final String socketPath;

  public DirectStreamLocalChannel(String socketPath) {
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
   * The far end stopped writing: end our input stream now, not when the channel closes (which the
   * server does only after our EOF too), so that half-closed connections work.
   */
  @Override
  public void handleEof() throws IOException {
    super.handleEof();
    if (getInvertedOut() instanceof ChannelPipedInputStream piped) {
      piped.eof();
    }
  }
}
