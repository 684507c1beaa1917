package dev.berth.net.testing;

import dev.berth.net.api.ApiRoutes;
import dev.berth.net.api.ApiServer;
import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.network.VirtualNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A network served as the agent serves it, with the kernel in a namespace as its guest (leased
 * 192.168.127.2): the host's API ({@code api.sock}, every route) and the guest's forwarder at the
 * gateway's port 80, loopback-only. Needs root ({@link NetnsGuest}).
 */
public final class ServedNetwork implements AutoCloseable {

  public static final String GUEST = "192.168.127.2";

  public final Path dir;
  public final VirtualNetwork net;
  public final ApiServer hostApi;
  public final ApiServer guestApi;
  public final NetnsGuest guest;

  /** Processes the test started (servers); destroyed on close. */
  public final List<Process> processes = new ArrayList<>();

  private ServedNetwork(
      Path dir, VirtualNetwork net, ApiServer hostApi, ApiServer guestApi, NetnsGuest guest) {
    this.dir = dir;
    this.net = net;
    this.hostApi = hostApi;
    this.guestApi = guestApi;
    this.guest = guest;
  }

  /** {@code config}'s network, guests reaching the host's loopback only, its guest leased. */
  public static ServedNetwork start(NetworkConfig config) throws Exception {
    NetnsGuest.requireRoot();
    Path dir = Files.createTempDirectory("berth-served");
    VirtualNetwork net = null;
    ApiServer hostApi = null;
    ApiServer guestApi = null;
    try {
      net =
          VirtualNetwork.start(config.withOutboundAllowed(a -> a.getAddress().isLoopbackAddress()));
      Path socket = dir.resolve("net.sock");
      net.listenUnix(socket, Framing.QEMU);
      hostApi = ApiServer.start(net, ApiRoutes.Scope.HOST, dir.resolve("api.sock"));
      guestApi =
          ApiServer.serveGuests(
              net,
              dir.resolve("guest-api.sock"),
              GuestForwardPolicy.loopbackOnly(
                  "berth set --publish-all-addresses", "berth set --publish-privileged-ports"));
      NetnsGuest guest = new NetnsGuest(socket, 1500);
      ServedNetwork served = new ServedNetwork(dir, net, hostApi, guestApi, guest);
      String ip = guest.dhcp().get("ip");
      if (!GUEST.equals(ip)) {
        served.close();
        throw new IllegalStateException("the guest was leased " + ip + ", not " + GUEST);
      }
      return served;
    } catch (Exception e) {
      NetnsGuest.tearDown(List.of(), dir, guestApi, hostApi, net);
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    NetnsGuest.tearDown(processes, dir, guest, hostApi, guestApi, net);
  }
}
