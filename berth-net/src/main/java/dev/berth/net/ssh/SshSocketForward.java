package dev.berth.net.ssh;

import dev.berth.net.UnixSockets;
import dev.berth.net.VirtualNetwork;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.AcceptAllServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.io.resource.PathResource;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gvproxy's {@code -forward-sock}: a unix socket on the host (mode 0600, a stale file removed first)
 * whose every connection is carried over an SSH {@code direct-streamlocal} channel to a unix socket in
 * the guest (podman's API socket), both ways, with half-close passed on.
 *
 * <p>The SSH connection goes to the guest's port 22 through the user-mode network itself, not through a
 * host port forward: a private listener on 127.0.0.1:ephemeral hands each connection to
 * {@link VirtualNetwork#connectToGuest}. One session serves every connection; it is made with gvproxy's
 * retry (up to {@value #CONNECT_ATTEMPTS} attempts, 100 ms doubling to a 1 s cap: "waiting for sshd"
 * while the guest boots) and made again when it dies.
 *
 * <p>The guest's host key is not checked, as gvproxy does not without {@code ?secure=true}: the SSH
 * connection never leaves this process and the virtual network, and a machine's host key is made on its
 * first boot, after the forward starts. A caller that needs pinning (berth-core's agent) does its own.
 */
public final class SshSocketForward implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(SshSocketForward.class);

    static final int CONNECT_ATTEMPTS = 60;
    private static final long FIRST_BACKOFF_MS = 100;
    private static final long MAX_BACKOFF_MS = 1000;
    /** gvproxy's SSH client timeout. */
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** Channel opens per local connection, a dead session replaced between them. */
    private static final int OPEN_ATTEMPTS = 3;

    /** One forward: the host socket, the guest's socket, the SSH user and private key. */
    public record Spec(Path socket, String guestSocket, String user, Path identity) {
    }

    private final Spec spec;
    private final KeyPair key;
    private final InetSocketAddress guestSsh;
    private final ServerSocketChannel server;
    private final ServerSocketChannel relay;
    private final SshClient client;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "berth-ssh-forward");
        t.setDaemon(true);
        return t;
    });
    private final Object sessionLock = new Object();
    private ClientSession session;
    private volatile boolean closed;

    private SshSocketForward(Spec spec, KeyPair key, InetSocketAddress guestSsh, ServerSocketChannel server,
            ServerSocketChannel relay, SshClient client) {
        this.spec = spec;
        this.key = key;
        this.guestSsh = guestSsh;
        this.server = server;
        this.relay = relay;
        this.client = client;
    }

    /**
     * Listens on {@code spec.socket()} and forwards to {@code spec.guestSocket()} at the guest's
     * {@code guestSsh} (address and port in the virtual network, normally 192.168.127.2:22). Connects to
     * the guest in the background at once; connections made before it answers wait for it.
     */
    public static SshSocketForward start(VirtualNetwork net, InetSocketAddress guestSsh, Spec spec) throws IOException {
        KeyPair key = loadKey(spec.identity());
        ServerSocketChannel relay = ServerSocketChannel.open();
        ServerSocketChannel server = null;
        SshClient client = null;
        try {
            relay.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            server = UnixSockets.listenPrivate(spec.socket(), 0);
            // Host keys are not checked (see the class comment).
            client = SshClients.longLived(AcceptAllServerKeyVerifier.INSTANCE);
        } catch (IOException | RuntimeException e) {
            closeQuietly(relay);
            closeQuietly(server);
            if (client != null) {
                client.stop();
            }
            throw e;
        }
        SshSocketForward f = new SshSocketForward(spec, key, guestSsh, server, relay, client);
        f.threads.execute(() -> f.relayLoop(net));
        f.threads.execute(f::acceptLoop);
        f.threads.execute(() -> {
            try {
                f.session();
            } catch (IOException e) {
                LOG.warn("{}: {}", spec.socket(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        LOG.info("forwarding {} to {} in the guest over SSH as {}", spec.socket(), spec.guestSocket(), spec.user());
        return f;
    }

    private static KeyPair loadKey(Path identity) throws IOException {
        try (InputStream in = Files.newInputStream(identity)) {
            for (KeyPair pair : SecurityUtils.loadKeyPairIdentities(null, new PathResource(identity), in, null)) {
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
    private void relayLoop(VirtualNetwork net) {
        while (!closed) {
            SocketChannel c;
            try {
                c = relay.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("SSH relay stopped: {}", e.toString());
                }
                return;
            }
            try {
                net.connectToGuest(c, (java.net.Inet4Address) guestSsh.getAddress(), guestSsh.getPort(), null);
            } catch (IOException e) {
                LOG.debug("SSH to the guest: {}", e.getMessage());
                closeQuietly(c);
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                threads.execute(() -> serve(c));
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("{}: accept failed: {}", spec.socket(), e.toString());
                }
                return;
            }
        }
    }

    /** The live session, made (with retries) if there is none. */
    private ClientSession session() throws IOException, InterruptedException {
        synchronized (sessionLock) {
            if (session != null && session.isOpen()) {
                return session;
            }
            long backoff = FIRST_BACKOFF_MS;
            Exception last = null;
            for (int attempt = 1; attempt <= CONNECT_ATTEMPTS && !closed; attempt++) {
                try {
                    session = connect();
                    LOG.info("SSH session to {}@guest:{} up after {} attempt(s)", spec.user(), guestSsh.getPort(), attempt);
                    return session;
                } catch (IOException | RuntimeException e) {
                    last = e;
                    LOG.debug("waiting for sshd (attempt {}): {}", attempt, e.toString());
                }
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
            }
            throw new IOException("no SSH session to " + spec.user() + "@" + guestSsh.getAddress().getHostAddress() + ":"
                    + guestSsh.getPort() + " after " + CONNECT_ATTEMPTS + " attempts: "
                    + (last == null ? "closed" : last.getMessage()), last);
        }
    }

    private ClientSession connect() throws IOException {
        ClientSession s = client.connect(spec.user(), relay.getLocalAddress()).verify(TIMEOUT).getSession();
        try {
            s.addPublicKeyIdentity(key);
            s.auth().verify(TIMEOUT);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close(true);
            throw e;
        }
    }

    /** Whether {@code s} still answers: a global request any server replies to (gvproxy's alive probe). */
    private static boolean alive(ClientSession s) {
        if (!s.isOpen()) {
            return false;
        }
        try {
            String request = "alive@berth";
            Buffer b = s.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, request.length() + 8);
            b.putString(request);
            b.putBoolean(true);
            s.request(request, b, TIMEOUT.toMillis());
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private DirectStreamLocalChannel open() throws IOException, InterruptedException {
        for (int attempt = 1;; attempt++) {
            ClientSession s = session();
            DirectStreamLocalChannel channel = new DirectStreamLocalChannel(spec.guestSocket());
            try {
                s.getService(ConnectionService.class).registerChannel(channel);
                channel.open().verify(TIMEOUT);
                return channel;
            } catch (IOException | RuntimeException e) {
                channel.close(true);
                if (attempt >= OPEN_ATTEMPTS || alive(s)) {
                    throw e instanceof IOException io ? io : new IOException(e);
                }
                LOG.info("SSH session to the guest died ({}); connecting again", e.getMessage());
                s.close(true);
                Thread.sleep(200);
            }
        }
    }

    private void serve(SocketChannel local) {
        try (local; DirectStreamLocalChannel channel = open()) {
            OutputStream toGuest = channel.getInvertedIn();
            InputStream fromGuest = channel.getInvertedOut();
            Future<?> upstream = threads.submit(() -> {
                ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
                while (local.read(buf) >= 0) {
                    toGuest.write(buf.array(), 0, buf.position());
                    toGuest.flush();
                    buf.clear();
                }
                toGuest.close(); // EOF to the guest; the channel stays open for its answer
                return null;
            });
            byte[] buf = new byte[64 * 1024];
            int n;
            while ((n = fromGuest.read(buf)) >= 0) {
                ByteBuffer out = ByteBuffer.wrap(buf, 0, n);
                while (out.hasRemaining()) {
                    local.write(out);
                }
            }
            local.shutdownOutput();
            upstream.get();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            if (!closed) {
                LOG.warn("{}: connection to {} in the guest failed: {}", spec.socket(), spec.guestSocket(), e.toString());
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        closeQuietly(relay);
        threads.shutdownNow();
        synchronized (sessionLock) {
            if (session != null) {
                session.close(true);
            }
        }
        client.stop();
        try {
            Files.deleteIfExists(spec.socket());
        } catch (IOException e) {
            LOG.warn("cannot remove {}: {}", spec.socket(), e.toString());
        }
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
