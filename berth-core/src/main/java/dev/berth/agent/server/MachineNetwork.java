package dev.berth.agent.server;

import dev.berth.BerthException;
import dev.berth.agent.NetworkMode;
import dev.berth.agent.ports.ListeningPortWatch;
import dev.berth.ignition.HostApiSocket;
import dev.berth.machine.MachineConfig;
import dev.berth.machine.RuntimeFiles;
import dev.berth.net.api.ApiRoutes;
import dev.berth.net.api.ApiServer;
import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.dns.HostResolvers;
import dev.berth.net.forward.Forward;
import dev.berth.net.forward.ForwardException;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.forward.PortForwards;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.os.Host;
import dev.berth.qemu.QemuCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network of one running machine, owned by its agent. With berth-net each machine has a network
 * of its own (the same gvproxy addresses in each, no clash): QEMU attaches to its stream socket,
 * the guest's SSH is forwarded from the machine's loopback port, the guest's podman publishes ports
 * through the forwarder at the gateway, and {@link RuntimeFiles#networkApi()} serves gvproxy's API.
 */
abstract class MachineNetwork implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MachineNetwork.class);

  abstract QemuCommand.Network qemuNetwork();

  /** Completes once the guest can be reached, if this network can tell; else never. */
  abstract CompletableFuture<Void> guestReachable();

  /**
   * Forwards the ports the guest listens on, where this network can; {@code privilegedPorts}: ports
   * below 1024 too.
   */
  abstract Optional<ListeningPortWatch> forwardListeningPorts(
      ListeningPortWatch.Reporter reporter, boolean privilegedPorts);

  /** The ports the guest has published through the network, to be saved with its state. */
  abstract List<Forward> guestForwards();

  /**
   * Publishes again the ports a restored guest had published, before it runs: it will not ask
   * again. Returns why each one that cannot listen again did not, in one line each.
   */
  abstract List<String> restoreGuestForwards(List<Forward> forwards);

  /**
   * Serves a host unix socket at {@code socket} from the guest's TCP {@code guestPort} (a port
   * {@link HostApiSocket} reserves for the host); false where this network cannot.
   */
  abstract boolean forwardHostSocket(Path socket, int guestPort);

  /** Ends what {@link #forwardHostSocket} made, removing the socket. */
  abstract void unforwardHostSocket(Path socket);

  @Override
  public abstract void close();

  /**
   * Ports QEMU's network forwards as well, comma-separated: QEMU's network has no API for the guest
   * to publish through, so benchmarks that compare it with berth-net name them here.
   */
  static final String SLIRP_PORTS_VARIABLE = "BERTH_SLIRP_PORTS";

  static MachineNetwork start(
      NetworkMode mode,
      RuntimeFiles files,
      int sshPort,
      GuestForwardPolicy guestPolicy,
      String slirpPorts,
      NetworkConfig berthConfig) {
    return mode == NetworkMode.SLIRP
        ? new Slirp(sshPort, slirpPorts(slirpPorts))
        : Berth.start(files, sshPort, guestPolicy, berthConfig);
  }

  /**
   * Berth's network as this host needs it: gvproxy's addresses; on macOS, privileged ports on the
   * wildcard address for loopback peers (the only place an ordinary user may bind them) and the
   * host's scoped resolvers.
   */
  static NetworkConfig configFor(Host host) {
    return NetworkConfig.gvproxyDefaults()
        .withPrivilegedPortsOnWildcard(host.privilegedPortsOnWildcard())
        .withDnsUpstreams(HostResolvers.of(host.isMacOs()));
  }

  /** What the machine's guest may publish, with the {@code berth set} lines that allow more. */
  static GuestForwardPolicy guestPolicy(MachineConfig config) {
    MachineConfig.Publish publish = config.publish();
    String set = "berth set %s " + config.name();
    return new GuestForwardPolicy(
        publish.allAddresses(),
        publish.privilegedPorts(),
        GuestForwardPolicy.DEFAULT_MAX_FORWARDS,
        String.format(set, "--publish-all-addresses"),
        String.format(set, "--publish-privileged-ports"));
  }

  static List<Integer> slirpPorts(String value) {
    List<Integer> ports = new ArrayList<>();
    if (value == null || value.isBlank()) {
      return ports;
    }
    for (String port : value.split(",")) {
      try {
        int p = Integer.parseInt(port.strip());
        if (p < 1 || p > 65535) {
          throw new NumberFormatException();
        }
        ports.add(p);
      } catch (NumberFormatException e) {
        throw new BerthException(
            SLIRP_PORTS_VARIABLE + " holds \"" + port + "\", not a port",
            "give TCP ports from 1 to 65535 separated by commas, e.g. 8080,8443");
      }
    }
    return ports;
  }

  private static final class Slirp extends MachineNetwork {
    private final int sshPort;
    private final List<Integer> ports;

    Slirp(int sshPort, List<Integer> ports) {
      this.sshPort = sshPort;
      this.ports = ports;
    }

    @Override
    QemuCommand.Network qemuNetwork() {
      return new QemuCommand.Slirp(sshPort, ports);
    }

    @Override
    CompletableFuture<Void> guestReachable() {
      return new CompletableFuture<>();
    }

    /** QEMU's network forwards only the ports it was started with. */
    @Override
    Optional<ListeningPortWatch> forwardListeningPorts(
        ListeningPortWatch.Reporter reporter, boolean privilegedPorts) {
      return Optional.empty();
    }

    @Override
    List<Forward> guestForwards() {
      return List.of();
    }

    @Override
    List<String> restoreGuestForwards(List<Forward> forwards) {
      return forwards.isEmpty()
          ? List.of()
          : List.of("QEMU's network (--network=slirp) publishes no ports of the machine");
    }

    /**
     * QEMU's network reaches the guest from a host TCP port, which every local user can connect to:
     * the API goes over SSH.
     */
    @Override
    boolean forwardHostSocket(Path socket, int guestPort) {
      return false;
    }

    @Override
    void unforwardHostSocket(Path socket) {
      // nothing was forwarded
    }

    @Override
    public void close() {
      // QEMU owns this network: it ends with QEMU.
    }
  }

  private static final class Berth extends MachineNetwork {
    private final RuntimeFiles files;
    private final VirtualNetwork net;
    private final GuestForwardPolicy guestPolicy;
    private ApiServer hostApi;
    private ApiServer gatewayApi;

    private Berth(RuntimeFiles files, VirtualNetwork net, GuestForwardPolicy guestPolicy) {
      this.files = files;
      this.net = net;
      this.guestPolicy = guestPolicy;
    }

    static Berth start(
        RuntimeFiles files, int sshPort, GuestForwardPolicy guestPolicy, NetworkConfig config) {
      Berth network;
      try {
        network = new Berth(files, VirtualNetwork.start(config), guestPolicy);
        network.net.forwards().reserveGuestPorts(HostApiSocket.ports());
      } catch (IOException e) {
        throw new BerthException("cannot start the machine's network: " + e.getMessage(), null, e);
      }
      try {
        Files.deleteIfExists(files.network());
        network.net.listenUnix(files.network(), Framing.QEMU);
        network.hostApi =
            ApiServer.start(network.net, ApiRoutes.Scope.SERVICES, files.networkApi());
        network.gatewayApi = ApiServer.serveGuests(network.net, files.gatewayApi(), guestPolicy);
        network
            .net
            .forwards()
            .expose(
                "tcp",
                "127.0.0.1:" + sshPort,
                config.guestIp().getHostAddress() + ":22",
                PortForwards.Origin.SSH);
        return network;
      } catch (ForwardException e) {
        network.close();
        throw new BerthException(
            "cannot forward the machine's SSH port " + sshPort + ": " + e.getMessage(),
            "another program holds port "
                + sshPort
                + "; stop it, or recreate the machine to get another port");
      } catch (IOException e) {
        network.close();
        throw new BerthException(
            "cannot start the machine's network in " + files.dir() + ": " + e.getMessage(),
            null,
            e);
      }
    }

    @Override
    QemuCommand.Network qemuNetwork() {
      return new QemuCommand.Stream(files.network(), net.config().mtu());
    }

    @Override
    CompletableFuture<Void> guestReachable() {
      try {
        return net.guestWithAddress(net.config().guestIp());
      } catch (IOException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    @Override
    Optional<ListeningPortWatch> forwardListeningPorts(
        ListeningPortWatch.Reporter reporter, boolean privilegedPorts) {
      return Optional.of(
          ListeningPortWatch.start(
              reporter, net.forwards(), net.config().guestIp(), privilegedPorts));
    }

    @Override
    List<Forward> guestForwards() {
      return net.forwards().madeByGuests();
    }

    @Override
    boolean forwardHostSocket(Path socket, int guestPort) {
      try {
        net.forwards()
            .expose(
                "unix",
                socket.toString(),
                "tcp://" + net.config().guestIp().getHostAddress() + ":" + guestPort);
        return true;
      } catch (ForwardException e) {
        throw new BerthException("cannot listen on " + socket + ": " + e.getMessage(), null, e);
      }
    }

    @Override
    void unforwardHostSocket(Path socket) {
      try {
        net.forwards().unexpose("unix", socket.toString());
      } catch (ForwardException e) {
        LOG.debug("no forward of {} to end: {}", socket, e.getMessage());
      }
    }

    @Override
    List<String> restoreGuestForwards(List<Forward> forwards) {
      List<String> failures = new ArrayList<>();
      for (Forward forward : forwards) {
        try {
          // the policy of now applies, as to any request of the guest
          net.forwards()
              .exposeForGuest(
                  guestPolicy,
                  forward.protocol(),
                  forward.local(),
                  forward.remote(),
                  net.config().guestIp());
        } catch (ForwardException | RuntimeException e) {
          failures.add(
              "port "
                  + forward.local()
                  + " ("
                  + forward.protocol()
                  + ") is not published again: "
                  + e.getMessage());
        }
      }
      return failures;
    }

    @Override
    public void close() {
      if (hostApi != null) {
        hostApi.close();
      }
      if (gatewayApi != null) {
        gatewayApi.close();
      }
      net.close();
    }
  }
}
