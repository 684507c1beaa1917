package dev.berth.net.ssh;

import dev.berth.net.network.VirtualNetwork;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gvproxy's {@code -forward-sock}: a {@link UnixSocketForwarder} (its reconnect policy included)
 * whose SSH sessions go to the guest's port 22 through the user-mode network itself, not through a
 * host port forward: a private listener on 127.0.0.1:ephemeral hands each connection to {@link
 * VirtualNetwork#connectToGuest}. The session is made in the background at once, so that it is up
 * when the guest's sshd is.
 *
 * <p>The guest's host key is not checked, as gvproxy does not without {@code ?secure=true}: the SSH
 * connection never leaves this process and the virtual network, and a machine's host key is made on
 * its first boot, after the forward starts. A caller that needs pinning (berth-core's agent) does
 * its own.
 */
public final class SshSocketForward implements Closeable {

  private static final Logger LOG = LoggerFactory.getLogger(SshSocketForward.class);

  /** gvproxy's SSH client timeout. */
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  /** One forward: the host socket, the guest's socket, the SSH user and private key. */
  public record Spec(Path socket, String guestSocket, String user, Path identity) {}

  private final Spec spec;
  private final ServerSocketChannel relay;
  private final SshClient client;
  private final UnixSocketForwarder forwarder;

  private SshSocketForward(
      Spec spec, ServerSocketChannel relay, SshClient client, UnixSocketForwarder forwarder) {
    this.spec = spec;
    this.relay = relay;
    this.client = client;
    this.forwarder = forwarder;
  }

  /**
   * Listens on {@code spec.socket()} and forwards to {@code spec.guestSocket()} at the guest's
   * {@code guestSsh} (address and port in the virtual network, normally 192.168.127.2:22). Connects
   * to the guest in the background at once; connections made before it answers wait for it.
   */
  public static SshSocketForward start(VirtualNetwork net, InetSocketAddress guestSsh, Spec spec)
      throws IOException {
    KeyPair key = loadKey(spec.identity());
    ServerSocketChannel relay = ServerSocketChannel.open();
    SshClient client = null;
    UnixSocketForwarder forwarder = null;
    try {
      relay.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      // Host keys are not checked (see the class comment).
      client = SshClients.longLived(AcceptAllServerKeyVerifier.INSTANCE);
      SshClient sessions = client;
      InetSocketAddress relayAddress = (InetSocketAddress) relay.getLocalAddress();
      String target =
          spec.user() + "@" + guestSsh.getAddress().getHostAddress() + ":" + guestSsh.getPort();
      forwarder =
          UnixSocketForwarder.start(
              spec.socket(),
              spec.guestSocket(),
              target,
              () -> connect(sessions, relayAddress, spec.user(), key));
    } catch (IOException | RuntimeException e) {
      closeQuietly(relay);
      if (client != null) {
        client.stop();
      }
      throw e;
    }
    SshSocketForward f = new SshSocketForward(spec, relay, client, forwarder);
    Thread relayThread = new Thread(() -> f.relayLoop(net, guestSsh), "berth-ssh-relay");
    relayThread.setDaemon(true);
    relayThread.start();
    forwarder.connectInBackground();
    LOG.info(
        "forwarding {} to {} in the guest over SSH as {}",
        spec.socket(),
        spec.guestSocket(),
        spec.user());
    return f;
  }

  private static KeyPair loadKey(Path identity) throws IOException {
    try (InputStream in = Files.newInputStream(identity)) {
      for (KeyPair pair :
          SecurityUtils.loadKeyPairIdentities(null, new PathResource(identity), in, null)) {
        return pair;
      }
    } catch (NoSuchFileException e) {
      throw new IOException("identity file " + identity + " does not exist", e);
    } catch (GeneralSecurityException e) {
      throw new IOException("identity file " + identity + " can't be loaded: " + e.getMessage(), e);
    }
    throw new IOException("identity file " + identity + " holds no private key");
  }

  public Spec spec() {
    return spec;
  }

  /** The SSH client's way into the network: each connection becomes one to the guest's SSH port. */
  private void relayLoop(VirtualNetwork net, InetSocketAddress guestSsh) {
    while (relay.isOpen()) {
      SocketChannel c;
      try {
        c = relay.accept();
      } catch (IOException e) {
        if (relay.isOpen()) {
          LOG.warn("SSH relay stopped: {}", e.toString());
        }
        return;
      }
      try {
        net.connectToGuest(c, (Inet4Address) guestSsh.getAddress(), guestSsh.getPort(), null);
      } catch (IOException e) {
        LOG.debug("SSH to the guest: {}", e.getMessage());
        closeQuietly(c);
      }
    }
  }

  /** One login through the relay; every failure is "not yet" to the forwarder's policy. */
  private static ForwardSession connect(
      SshClient client, InetSocketAddress relay, String user, KeyPair key) throws IOException {
    try {
      ClientSession s = client.connect(user, relay).verify(TIMEOUT).getSession();
      try {
        s.addPublicKeyIdentity(key);
        s.auth().verify(TIMEOUT);
        return ForwardSession.of(s);
      } catch (IOException | RuntimeException e) {
        s.close(true);
        throw e;
      }
    } catch (RuntimeException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    forwarder.close();
    closeQuietly(relay);
    client.stop();
  }

  private static void closeQuietly(java.nio.channels.Channel c) {
    if (c != null) {
      try {
        c.close();
      } catch (IOException e) {
        LOG.debug("closing", e);
      }
    }
  }
}
