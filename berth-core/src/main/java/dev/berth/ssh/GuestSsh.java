package dev.berth.ssh;

import dev.berth.BerthException;
import dev.berth.net.ssh.ForwardSession;
import dev.berth.net.ssh.SshClients;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.EnumSet;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * An SSH connection to a machine's guest, in-process with MINA SSHD: public-key login with the
 * machine's key, the host key pinned, nothing read from the user's {@code ~/.ssh}.
 */
public final class GuestSsh implements Closeable {
  private final ClientSession session;

  private GuestSsh(ClientSession session) {
    this.session = session;
  }

  /** The result of a remote command. */
  public record ExecResult(int exitCode, String stdout, String stderr) {}

  /**
   * The one MINA client of a process, for every login it makes to one guest: a login retried every
   * few hundred milliseconds while the guest boots is a new session, not a new client with threads
   * of its own. Started on the first login, so that making it costs a boot nothing.
   */
  public static final class Client implements Closeable {
    private final HostKeyPin pin;
    private SshClient client;
    private boolean closed;

    public Client(HostKeyPin pin) {
      this.pin = pin;
    }

    public GuestSsh connect(String host, int port, String user, Path privateKey, Duration timeout)
        throws IOException {
      SshClient started = started();
      try {
        ClientSession session = started.connect(user, host, port).verify(timeout).getSession();
        try {
          session.addPublicKeyIdentity(loadKey(privateKey));
          session.auth().verify(timeout);
        } catch (IOException | RuntimeException e) {
          session.close(true);
          throw e;
        }
        return new GuestSsh(session);
      } catch (IOException | RuntimeException e) {
        BerthException refusal = pin.refusal();
        if (refusal != null) {
          throw refusal;
        }
        throw e;
      }
    }

    private synchronized SshClient started() throws IOException {
      if (closed) {
        throw new IOException("the SSH client is closed");
      }
      if (client == null) {
        // Holds sessions for the machine's whole life.
        client = SshClients.longLived(pin);
      }
      return client;
    }

    @Override
    public synchronized void close() {
      closed = true;
      if (client != null) {
        client.stop();
      }
    }
  }

  /**
   * Loads what a first connection needs (the SSH and crypto classes, the security provider, the
   * key) so that it costs the connection nothing: the agent calls it while the guest boots.
   */
  public static void warmUp(Path privateKey) {
    try {
      SshClient.setUpDefaultClient();
      loadKey(privateKey);
    } catch (IOException | RuntimeException e) {
      // The real connection reports what is wrong; warming up is only an optimisation.
    }
  }

  private static KeyPair loadKey(Path privateKey) throws IOException {
    try (InputStream in = Files.newInputStream(privateKey)) {
      for (KeyPair pair :
          SecurityUtils.loadKeyPairIdentities(null, new PathResource(privateKey), in, null)) {
        return pair;
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot read the key " + privateKey + ": " + e.getMessage(), e);
    }
    throw new IOException("no key in " + privateKey);
  }

  public boolean isOpen() {
    return session.isOpen();
  }

  /** Runs a command, waiting at most {@code timeout} for it to finish. */
  public ExecResult exec(String command, Duration timeout) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ChannelExec channel = session.createExecChannel(command)) {
      channel.setOut(out);
      channel.setErr(err);
      channel.open().verify(timeout);
      var events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), timeout);
      if (!events.contains(ClientChannelEvent.CLOSED)) {
        throw new IOException(
            "\"" + command + "\" did not finish within " + timeout.toSeconds() + " s");
      }
      Integer status = channel.getExitStatus();
      return new ExecResult(
          status == null ? -1 : status,
          out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * Starts {@code command} and returns its standard output as it comes (its standard error is
   * dropped); closing the stream ends the command's channel. SSH's flow control bounds what waits
   * unread.
   */
  public InputStream output(String command, Duration openTimeout) throws IOException {
    ChannelExec channel = session.createExecChannel(command);
    try {
      channel.setErr(OutputStream.nullOutputStream());
      channel.open().verify(openTimeout);
      return new FilterInputStream(channel.getInvertedOut()) {
        @Override
        public void close() throws IOException {
          try {
            super.close();
          } finally {
            channel.close(true);
          }
        }
      };
    } catch (IOException | RuntimeException e) {
      channel.close(true);
      throw e;
    }
  }

  /** This session for a {@link dev.berth.net.ssh.UnixSocketForwarder}: streams to guest sockets. */
  public ForwardSession forwardSession() {
    return ForwardSession.of(session);
  }

  /** Ends this session; the client stays for the next login. */
  @Override
  public void close() {
    session.close(false);
  }
}
