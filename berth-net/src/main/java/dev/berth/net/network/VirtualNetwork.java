package dev.berth.net.network;

import dev.berth.net.config.DnsZone;
import dev.berth.net.config.Framing;
import dev.berth.net.config.MacAddress;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.PortForwards;
import dev.berth.net.stack.EventLoop;
import dev.berth.net.stack.Gateway;
import dev.berth.net.stack.Stats;
import dev.berth.net.unix.UnixSockets;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A user-mode network: the LAN, gateway, DHCP, DNS and NAT of {@link NetworkConfig}, run by one
 * event loop thread. Guests attach through listeners:
 *
 * <pre>{@code
 * try (VirtualNetwork net = VirtualNetwork.start(NetworkConfig.gvproxyDefaults())) {
 *     net.listenUnix(Path.of("/run/berth/net.sock"), Framing.QEMU);
 *     // qemu … -netdev stream,id=net0,server=off,addr.type=unix,addr.path=/run/berth/net.sock
 * }
 * }</pre>
 */
public final class VirtualNetwork implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(VirtualNetwork.class);

  private final NetworkConfig config;
  private final EventLoop loop;
  private final Gateway gateway;
  private final List<Listener> listeners = new ArrayList<>();
  private final PortForwards forwards;

  private VirtualNetwork(NetworkConfig config, EventLoop loop) throws IOException {
    this.config = config;
    this.loop = loop;
    this.gateway = new Gateway(loop, config);
    this.forwards = new PortForwards(loop, gateway, config.privilegedPortsOnWildcard());
  }

  public static VirtualNetwork start(NetworkConfig config) throws IOException {
    return start(config, new EventLoop("berth-net"));
  }

  /** A network run by {@code loop}, which it closes when it closes (a test's driven loop, say). */
  public static VirtualNetwork start(NetworkConfig config, EventLoop loop) throws IOException {
    VirtualNetwork net = new VirtualNetwork(config, loop);
    net.loop.start(net.gateway);
    LOG.info(
        "network {}/{} started, gateway {}, MTU {}",
        config.subnet().getHostAddress(),
        config.prefixLength(),
        config.gatewayIp().getHostAddress(),
        config.mtu());
    return net;
  }

  public NetworkConfig config() {
    return config;
  }

  /**
   * Listens on a unix socket for guests, mode 0600: whoever connects is the guest. The path must
   * not exist; it is removed when the listener or the network closes.
   */
  public Listener listenUnix(Path path, Framing framing) throws IOException {
    if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(path + " already exists");
    }
    return register(UnixSockets.listenPrivate(path, 0), framing, path);
  }

  /**
   * Listens on a TCP address for guests (QEMU's {@code -netdev socket,connect=…} or {@code stream}
   * over TCP).
   */
  public Listener listenTcp(InetSocketAddress address, Framing framing) throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    server.bind(address);
    return register(server, framing, null);
  }

  private Listener register(ServerSocketChannel server, Framing framing, Path unixPath)
      throws IOException {
    Listener l = new Listener(server, framing, unixPath);
    try {
      loop.call(() -> loop.register(server, SelectionKey.OP_ACCEPT, l));
    } catch (IOException | RuntimeException e) {
      l.close();
      throw e;
    }
    synchronized (listeners) {
      listeners.add(l);
    }
    LOG.info("listening for guests on {} ({} framing)", server.getLocalAddress(), framing);
    return l;
  }

  /** The host listeners carried into the network (gvproxy's forwarder). */
  public PortForwards forwards() {
    return forwards;
  }

  /**
   * Serves guest TCP connections to the gateway's {@code port} by connecting to {@code socket} on
   * the host; each connection starts with a PROXY protocol v1 line naming the guest's address.
   */
  public void serveOnGateway(int port, Path socket) throws IOException {
    UnixDomainSocketAddress address = UnixDomainSocketAddress.of(socket);
    loop.call(
        () -> {
          gateway.serve(port, address);
          return null;
        });
  }

  /**
   * Hands {@code host}, a connected socket, to the network: joined to a new connection to {@code
   * guestIp:guestPort}, with {@code first} sent to the guest before anything read from it.
   */
  public void connectToGuest(
      SocketChannel host, Inet4Address guestIp, int guestPort, ByteBuffer first)
      throws IOException {
    loop.call(
        () -> {
          gateway.connectToGuest(host, guestIp, guestPort, first);
          return null;
        });
  }

  /**
   * Attaches a guest whose frames come from {@code in} and go to {@code out} (gvproxy's {@code
   * -listen-stdio}: a parent process's pipes). Two threads carry the bytes between the streams and
   * one end of a socket pair, whose other end is an ordinary link. The end of {@code in} ends the
   * link; the future completes once everything the link sent was written to {@code out}, or it
   * failed.
   */
  public CompletableFuture<Void> attachStreams(InputStream in, OutputStream out, Framing framing)
      throws IOException {
    SocketChannel[] pair = UnixSockets.pair();
    SocketChannel ours = pair[1];
    try {
      attach(pair[0], framing, null);
    } catch (IOException | RuntimeException e) {
      pair[0].close();
      ours.close();
      throw e;
    }
    CompletableFuture<Void> ended = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              byte[] buf = new byte[1 << 16];
              try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                  ours.write(ByteBuffer.wrap(buf, 0, n));
                }
                LOG.info("guest streams: input ended");
                ours.shutdownOutput();
              } catch (IOException e) {
                LOG.info("guest streams: reading failed: {}", e.toString());
                closeQuietly(ours);
              }
            },
            "berth-net-stream-in");
    Thread writer =
        new Thread(
            () -> {
              ByteBuffer buf = ByteBuffer.allocate(1 << 16);
              try {
                while (ours.read(buf.clear()) >= 0) {
                  out.write(buf.array(), 0, buf.position());
                  out.flush();
                }
                ended.complete(null);
              } catch (IOException e) {
                LOG.info("guest streams: writing failed: {}", e.toString());
                ended.completeExceptionally(e);
              } finally {
                closeQuietly(ours);
              }
            },
            "berth-net-stream-out");
    for (Thread t : List.of(reader, writer)) {
      t.setDaemon(true);
      t.start();
    }
    return ended;
  }

  private static void closeQuietly(SocketChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      LOG.debug("closing a guest stream socket", e);
    }
  }

  /**
   * Attaches a guest that connected some other way (an HTTP {@code /connect}); {@code first} holds
   * frames already read.
   */
  public void attach(SocketChannel channel, Framing framing, ByteBuffer first) throws IOException {
    loop.call(
        () -> {
          gateway.attach(channel, framing, first);
          return null;
        });
  }

  /**
   * Completes once a guest holds {@code ip} (DHCP acknowledged it, or traffic came from it), so
   * that connections to it can be tried. Completes on the network's thread: continue elsewhere.
   */
  public CompletableFuture<Void> guestWithAddress(Inet4Address ip) throws IOException {
    return loop.call(() -> gateway.guestWithAddress(ip));
  }

  /** The DHCP leases, MAC address to IP address. */
  public Map<MacAddress, Inet4Address> leases() throws IOException {
    return loop.call(gateway::leases);
  }

  public List<DnsZone> dnsZones() throws IOException {
    return loop.call(gateway::dnsZones);
  }

  /**
   * Adds a local DNS zone; one of the same name is replaced, its records kept after the new ones.
   */
  public void addDnsZone(DnsZone zone) throws IOException {
    loop.call(
        () -> {
          gateway.addDnsZone(zone);
          return null;
        });
  }

  public NetworkStats stats() throws IOException {
    return loop.call(
        () -> {
          Stats s = gateway.stats();
          return new NetworkStats(
              gateway.linkCount(),
              gateway.tcpFlowCount(),
              gateway.udpFlowCount(),
              s.framesFromGuest,
              s.framesToGuest,
              s.bytesFromGuest,
              s.bytesToGuest,
              s.framesDroppedSize,
              s.framesDroppedInvalid,
              s.framesDroppedOutput,
              gateway.knownMacs());
        });
  }

  @Override
  public void close() {
    forwards.close();
    List<Listener> copy;
    synchronized (listeners) {
      copy = new ArrayList<>(listeners);
    }
    for (Listener l : copy) {
      l.close();
    }
    try {
      loop.call(
          () -> {
            gateway.closeAll();
            return null;
          });
    } catch (IOException e) {
      LOG.warn("closing connections: {}", e.toString());
    }
    loop.close();
  }

  /** A socket guests connect to. Closing it stops accepting; attached guests stay. */
  public final class Listener implements Closeable, EventLoop.Handler {
    private final ServerSocketChannel server;
    private final Framing framing;
    private final Path unixPath;
    private final SocketAddress address;

    private Listener(ServerSocketChannel server, Framing framing, Path unixPath)
        throws IOException {
      this.server = server;
      this.framing = framing;
      this.unixPath = unixPath;
      this.address = server.getLocalAddress();
    }

    public SocketAddress address() {
      return address;
    }

    @Override
    public void onReady(SelectionKey key) throws IOException {
      SocketChannel ch;
      while ((ch = server.accept()) != null) {
        LOG.info("guest connected on {}", address);
        gateway.attach(ch, framing);
      }
    }

    @Override
    public void onFailure(Exception e) {
      LOG.warn("listener {} failed: {}", address, e.toString());
    }

    @Override
    public void close() {
      synchronized (listeners) {
        listeners.remove(this);
      }
      try {
        server.close();
        if (unixPath != null) {
          Files.deleteIfExists(unixPath);
        }
      } catch (IOException e) {
        LOG.warn("closing listener {}: {}", address, e.toString());
      }
    }
  }
}
