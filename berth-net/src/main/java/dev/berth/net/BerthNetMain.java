package dev.berth.net;

import dev.berth.net.api.ApiRoutes;
import dev.berth.net.api.ApiServer;
import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.ForwardException;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.forward.PortForwards;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.net.ssh.SshSocketForward;
import dev.berth.net.unix.UnixSockets;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Runs berth-net on its own, taking gvproxy's flags where they overlap: {@code -listen
 * unix:///PATH} (the HTTP API with {@code /connect}), {@code -services unix:///PATH} (the API
 * without it), {@code -listen-qemu unix:///PATH|tcp://HOST:PORT}, {@code -listen-stream-le
 * unix:///PATH} (2-byte little-endian framing), {@code -listen-stdio X} (any non-empty X: one
 * guest's frames on standard input and output with 2-byte little-endian framing; log lines then go
 * to standard error, and the end of standard input stops the program), {@code -ssh-port N} (host
 * 127.0.0.1:N to the guest's port 22; 2222 by default, -1 for none), {@code -mtu N}, {@code
 * -pid-file FILE}, {@code -log-file FILE}, {@code -debug}, and {@code -dns-upstream HOST:PORT}. The
 * forwarder is also served to guests at the gateway's port 80, under {@link GuestForwardPolicy}:
 * tcp and udp only, on the host's loopback and ports from 1024 unless {@code -guest-any-address}
 * and {@code -guest-privileged-ports} allow more.
 *
 * <p>SSH socket forwarding, as gvproxy's: {@code -forward-sock PATH -forward-dest GUEST_SOCKET
 * -forward-user USER -forward-identity KEYFILE}, each repeatable and all four given the same number
 * of times (the n-th of each make one forward). Each listens on the host's unix socket PATH (mode
 * 0600, a stale file replaced) and carries every connection over SSH, as USER with the private key
 * KEYFILE, to the guest's 192.168.127.2:22 through the virtual network and on to its unix socket
 * GUEST_SOCKET (a {@code direct-streamlocal} channel). The guest's host key is not checked. The SSH
 * session is made while the guest boots (up to 60 attempts) and made again when it drops: see
 * {@link SshSocketForward}.
 *
 * <p>Runs until killed, or until standard input ends with {@code -listen-stdio}. {@code berth net}
 * runs the same with the same flags (see {@link #run}).
 */
public final class BerthNetMain {

  private BerthNetMain() {}

  public static void main(String[] args) throws Exception {
    BerthNetOptions options = new BerthNetOptions();
    try {
      parse(args, options);
      System.exit(run(options));
    } catch (IllegalArgumentException e) {
      usage(e.getMessage());
    }
  }

  private static void parse(String[] args, BerthNetOptions o) {
    for (int i = 0; i < args.length; i++) {
      String flag = args[i].startsWith("--") ? args[i].substring(1) : args[i];
      switch (flag) {
        case "-listen-qemu" -> o.listenQemu.add(value(args, ++i, flag));
        case "-listen-stream-le" -> o.listenStreamLe.add(value(args, ++i, flag));
        case "-listen-stdio" -> o.listenStdio = !value(args, ++i, flag).isEmpty();
        case "-listen" -> o.listen.add(value(args, ++i, flag));
        case "-services" -> o.services.add(value(args, ++i, flag));
        case "-ssh-port" -> o.sshPort = number(value(args, ++i, flag), flag);
        case "-mtu" -> o.mtu = number(value(args, ++i, flag), flag);
        case "-dns-upstream" -> o.dnsUpstream = value(args, ++i, flag);
        case "-forward-sock" -> o.forwardSock.add(value(args, ++i, flag));
        case "-forward-dest" -> o.forwardDest.add(value(args, ++i, flag));
        case "-forward-user" -> o.forwardUser.add(value(args, ++i, flag));
        case "-forward-identity" -> o.forwardIdentity.add(value(args, ++i, flag));
        case "-pid-file" -> o.pidFile = Path.of(value(args, ++i, flag));
        case "-log-file" -> o.logFile = Path.of(value(args, ++i, flag));
        case "-guest-any-address" -> o.guestAnyAddress = true;
        case "-guest-privileged-ports" -> o.guestPrivilegedPorts = true;
        case "-debug" -> o.debug = true;
        default -> throw new IllegalArgumentException("unknown flag " + args[i]);
      }
    }
  }

  /**
   * Runs the network the options describe until the JVM is told to stop (a signal; the shutdown
   * hook closes everything and removes the pid file), or, with {@code -listen-stdio}, until
   * standard input ends: then it returns the exit status. Options that cannot work throw
   * IllegalArgumentException before anything starts. Call it before anything logs: {@code -debug}
   * and {@code -log-file} set up the logging.
   */
  public static int run(BerthNetOptions o) throws IOException, InterruptedException {
    if (o.sshPort != -1 && (o.sshPort < 1024 || o.sshPort > 65535)) {
      throw new IllegalArgumentException(
          "-ssh-port must be -1 or between 1024 and 65535: " + o.sshPort);
    }
    if (o.mtu < 0) {
      throw new IllegalArgumentException("-mtu must be positive (0 for 1500): " + o.mtu);
    }
    if (o.listenQemu.isEmpty() && o.listenStreamLe.isEmpty() && !o.listenStdio) {
      throw new IllegalArgumentException(
          "nothing to listen on: give -listen-qemu, -listen-stream-le or -listen-stdio");
    }
    NetworkConfig config = NetworkConfig.gvproxyDefaults().withMtu(o.mtu == 0 ? 1500 : o.mtu);
    if (o.dnsUpstream != null) {
      config = config.withDnsUpstream(hostPort(o.dnsUpstream, "-dns-upstream"));
    }
    for (String uri : o.listenQemu) {
      listenAddress(uri);
    }
    for (String uri : o.listenStreamLe) {
      listenAddress(uri);
    }
    List<Path> apiHost = o.listen.stream().map(BerthNetMain::unixPath).toList();
    List<Path> apiServices = o.services.stream().map(BerthNetMain::unixPath).toList();
    List<SshSocketForward.Spec> sshForwards =
        sshForwards(o.forwardSock, o.forwardDest, o.forwardUser, o.forwardIdentity);
    if (o.logFile != null) {
      PrintStream log =
          new PrintStream(
              new FileOutputStream(o.logFile.toFile(), true), true, StandardCharsets.UTF_8);
      System.setOut(log);
      System.setErr(log);
    }
    if (o.debug) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
    }
    OutputStream frameOutput = null;
    if (o.listenStdio) {
      // Standard output carries frames: keep every print off it.
      frameOutput = new FileOutputStream(FileDescriptor.out);
      System.setOut(System.err);
    }
    VirtualNetwork net = VirtualNetwork.start(config);
    List<Closeable> apis = new ArrayList<>();
    Path privateDir = UnixSockets.privateDirectory("berth-net");
    Path pid = o.pidFile;
    CompletableFuture<Integer> inputEnded = new CompletableFuture<>();
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (Closeable api : apis) {
                    try {
                      api.close();
                    } catch (IOException e) {
                      System.err.println("closing the API: " + e);
                    }
                  }
                  net.close();
                  try {
                    Files.deleteIfExists(privateDir);
                  } catch (IOException e) {
                    System.err.println("cannot remove " + privateDir + ": " + e);
                  }
                  if (pid != null) {
                    try {
                      Files.deleteIfExists(pid);
                    } catch (IOException e) {
                      System.err.println("cannot remove " + pid + ": " + e);
                    }
                  }
                }));
    for (String uri : o.listenQemu) {
      listen(net, uri, Framing.QEMU);
    }
    for (String uri : o.listenStreamLe) {
      listen(net, uri, Framing.LENGTH16_LE);
    }
    for (Path path : apiHost) {
      apis.add(ApiServer.start(net, ApiRoutes.Scope.HOST, path));
    }
    for (Path path : apiServices) {
      apis.add(ApiServer.start(net, ApiRoutes.Scope.SERVICES, path));
    }
    GuestForwardPolicy guestPolicy =
        new GuestForwardPolicy(
            o.guestAnyAddress,
            o.guestPrivilegedPorts,
            GuestForwardPolicy.DEFAULT_MAX_FORWARDS,
            "berth-net -guest-any-address",
            "berth-net -guest-privileged-ports");
    apis.add(ApiServer.serveGuests(net, privateDir.resolve("gateway-api.sock"), guestPolicy));
    if (o.sshPort != -1) {
      try {
        net.forwards()
            .expose(
                "tcp",
                "127.0.0.1:" + o.sshPort,
                config.guestIp().getHostAddress() + ":22",
                PortForwards.Origin.SSH);
      } catch (ForwardException e) {
        throw new IllegalArgumentException(
            "SSH port " + o.sshPort + ": " + e.getMessage() + " (choose another with -ssh-port)",
            e);
      }
    }
    for (SshSocketForward.Spec spec : sshForwards) {
      apis.add(SshSocketForward.start(net, new InetSocketAddress(config.guestIp(), 22), spec));
    }
    if (pid != null) {
      Files.writeString(pid, ProcessHandle.current().pid() + "\n");
    }
    if (frameOutput != null) {
      // Last, once the shutdown hook cleans up: the end of the input may come at once.
      net.attachStreams(new FileInputStream(FileDescriptor.in), frameOutput, Framing.LENGTH16_LE)
          .whenComplete(
              (done, failure) -> {
                System.err.println(
                    "berth-net: "
                        + (failure == null
                            ? "standard input ended"
                            : "cannot write to standard output: " + failure.getMessage())
                        + "; stopping");
                inputEnded.complete(failure == null ? 0 : 1);
              });
    }
    try {
      return inputEnded.get();
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /**
   * gvproxy's rules: the four lists the same length, every identity file there; else
   * IllegalArgumentException.
   */
  static List<SshSocketForward.Spec> sshForwards(
      List<String> socks, List<String> dests, List<String> users, List<String> identities) {
    int n = socks.size();
    if (dests.size() != n || users.size() != n || identities.size() != n) {
      throw new IllegalArgumentException(
          "-forward-sock, -forward-dest, -forward-user, and -forward-identity must all"
              + " be specified together, the same number of times, or not at all");
    }
    List<SshSocketForward.Spec> specs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Path identity = Path.of(identities.get(i));
      if (!Files.isReadable(identity)) {
        throw new IllegalArgumentException(
            "-forward-identity "
                + identity
                + ": the identity file does not exist or cannot be read");
      }
      String sock =
          socks.get(i).startsWith("unix://") ? unixPath(socks.get(i)).toString() : socks.get(i);
      specs.add(new SshSocketForward.Spec(Path.of(sock), dests.get(i), users.get(i), identity));
    }
    return specs;
  }

  private static void listen(VirtualNetwork net, String uri, Framing framing) throws IOException {
    URI u = listenAddress(uri);
    if (u.getScheme().equals("unix")) {
      net.listenUnix(Path.of(u.getPath()), framing);
    } else {
      net.listenTcp(new InetSocketAddress(u.getHost(), u.getPort()), framing);
    }
  }

  private static URI listenAddress(String uri) {
    URI u = uri(uri);
    if (!"unix".equals(u.getScheme()) && !"tcp".equals(u.getScheme())) {
      throw new IllegalArgumentException(
          "unsupported listen address " + uri + " (unix:///PATH or tcp://HOST:PORT)");
    }
    return u;
  }

  private static URI uri(String uri) {
    try {
      return new URI(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URI: " + uri + " (" + e.getReason() + ")", e);
    }
  }

  private static InetSocketAddress hostPort(String value, String flag) {
    int colon = value.lastIndexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException(flag + " takes HOST:PORT, not " + value);
    }
    return new InetSocketAddress(
        value.substring(0, colon), number(value.substring(colon + 1), flag));
  }

  private static int number(String value, String flag) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " takes a number, not " + value, e);
    }
  }

  private static Path unixPath(String uri) {
    URI u = uri(uri);
    if (!"unix".equals(u.getScheme())) {
      throw new IllegalArgumentException(
          "the API listens on unix sockets only: unix:///PATH, not " + uri);
    }
    return Path.of(u.getPath());
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println("berth-net: " + problem);
    System.err.println(
        "usage: berth-net -listen-qemu unix:///PATH|tcp://HOST:PORT [-listen-stream-le unix:///PATH]"
            + " [-listen-stdio X]"
            + " [-listen unix:///PATH] [-services unix:///PATH] [-ssh-port N|-1]"
            + " [-mtu N] [-dns-upstream HOST:PORT] [-pid-file FILE] [-log-file FILE] [-debug]"
            + " [-guest-any-address] [-guest-privileged-ports]"
            + " [-forward-sock PATH -forward-dest GUEST_SOCKET -forward-user USER -forward-identity KEYFILE]...");
    System.exit(2);
  }
}
