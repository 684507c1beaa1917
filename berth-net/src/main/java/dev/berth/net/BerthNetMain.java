package dev.berth.net;

import dev.berth.net.api.ApiRoutes;
import dev.berth.net.api.ApiServer;
import dev.berth.net.forward.ForwardException;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.ssh.SshSocketForward;
import java.io.Closeable;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Runs berth-net on its own, taking gvproxy's flags where they overlap:
 * {@code -listen unix:///PATH} (the HTTP API with {@code /connect}), {@code -services unix:///PATH} (the
 * API without it), {@code -listen-qemu unix:///PATH|tcp://HOST:PORT}, {@code -listen-stream-le unix:///PATH}
 * (2-byte little-endian framing), {@code -listen-stdio X} (any non-empty X: one guest's frames on standard
 * input and output with 2-byte little-endian framing; log lines then go to standard error, and the end of
 * standard input stops the program), {@code -ssh-port N} (host 127.0.0.1:N to the guest's port 22; 2222 by
 * default, -1 for none), {@code -mtu N}, {@code -pid-file FILE}, {@code -log-file FILE}, {@code -debug},
 * and {@code -dns-upstream HOST:PORT}. The forwarder is also served to guests at the gateway's port 80,
 * under {@link GuestForwardPolicy}: tcp and udp only, on the host's loopback and ports from 1024 unless
 * {@code -guest-any-address} and {@code -guest-privileged-ports} allow more.
 *
 * <p>SSH socket forwarding, as gvproxy's: {@code -forward-sock PATH -forward-dest GUEST_SOCKET
 * -forward-user USER -forward-identity KEYFILE}, each repeatable and all four given the same number of
 * times (the n-th of each make one forward). Each listens on the host's unix socket PATH (mode 0600, a
 * stale file replaced) and carries every connection over SSH, as USER with the private key KEYFILE, to
 * the guest's 192.168.127.2:22 through the virtual network and on to its unix socket GUEST_SOCKET (a
 * {@code direct-streamlocal} channel). The guest's host key is not checked. The SSH session is made
 * while the guest boots (up to 60 attempts) and made again when it drops: see {@link SshSocketForward}.
 *
 * <p>Runs until killed, or until standard input ends with {@code -listen-stdio}.
 */
public final class BerthNetMain {

    private BerthNetMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> qemu = new ArrayList<>();
        List<String> lengthLe = new ArrayList<>();
        boolean stdio = false;
        List<String> apiHost = new ArrayList<>();
        List<String> apiServices = new ArrayList<>();
        int sshPort = 2222;
        NetworkConfig config = NetworkConfig.gvproxyDefaults();
        Path pidFile = null;
        List<String> forwardSock = new ArrayList<>();
        List<String> forwardDest = new ArrayList<>();
        List<String> forwardUser = new ArrayList<>();
        List<String> forwardIdentity = new ArrayList<>();
        boolean guestAnyAddress = false;
        boolean guestPrivilegedPorts = false;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i].startsWith("--") ? args[i].substring(1) : args[i];
            switch (flag) {
                case "-listen-qemu" -> qemu.add(value(args, ++i, flag));
                case "-listen-stream-le" -> lengthLe.add(value(args, ++i, flag));
                case "-listen-stdio" -> stdio = !value(args, ++i, flag).isEmpty();
                case "-listen" -> apiHost.add(value(args, ++i, flag));
                case "-services" -> apiServices.add(value(args, ++i, flag));
                case "-ssh-port" -> {
                    sshPort = Integer.parseInt(value(args, ++i, flag));
                    if (sshPort != -1 && (sshPort < 1024 || sshPort > 65535)) {
                        usage("-ssh-port must be -1 or between 1024 and 65535: " + sshPort);
                    }
                }
                case "-mtu" -> {
                    int mtu = Integer.parseInt(value(args, ++i, flag));
                    config = config.withMtu(mtu == 0 ? 1500 : mtu);
                }
                case "-dns-upstream" -> {
                    String v = value(args, ++i, flag);
                    int colon = v.lastIndexOf(':');
                    config = config.withDnsUpstream(
                            new InetSocketAddress(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1))));
                }
                case "-forward-sock" -> forwardSock.add(value(args, ++i, flag));
                case "-forward-dest" -> forwardDest.add(value(args, ++i, flag));
                case "-forward-user" -> forwardUser.add(value(args, ++i, flag));
                case "-forward-identity" -> forwardIdentity.add(value(args, ++i, flag));
                case "-pid-file" -> pidFile = Path.of(value(args, ++i, flag));
                case "-log-file" -> {
                    PrintStream log = new PrintStream(new FileOutputStream(value(args, ++i, flag), true), true,
                            StandardCharsets.UTF_8);
                    System.setOut(log);
                    System.setErr(log);
                }
                case "-guest-any-address" -> guestAnyAddress = true;
                case "-guest-privileged-ports" -> guestPrivilegedPorts = true;
                case "-debug" -> System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
                default -> usage("unknown flag " + args[i]);
            }
        }
        if (qemu.isEmpty() && lengthLe.isEmpty() && !stdio) {
            usage("nothing to listen on: give -listen-qemu, -listen-stream-le or -listen-stdio");
        }
        OutputStream frameOutput = null;
        if (stdio) {
            // Standard output carries frames: keep every print off it.
            frameOutput = new FileOutputStream(FileDescriptor.out);
            System.setOut(System.err);
        }
        List<SshSocketForward.Spec> sshForwards = List.of();
        try {
            sshForwards = sshForwards(forwardSock, forwardDest, forwardUser, forwardIdentity);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        VirtualNetwork net = VirtualNetwork.start(config);
        for (String uri : qemu) {
            listen(net, uri, Framing.QEMU);
        }
        for (String uri : lengthLe) {
            listen(net, uri, Framing.LENGTH16_LE);
        }
        List<Closeable> apis = new ArrayList<>();
        for (String uri : apiHost) {
            apis.add(ApiServer.start(net, ApiRoutes.Scope.HOST, unixPath(uri)));
        }
        for (String uri : apiServices) {
            apis.add(ApiServer.start(net, ApiRoutes.Scope.SERVICES, unixPath(uri)));
        }
        Path privateDir = UnixSockets.privateDirectory("berth-net");
        GuestForwardPolicy guestPolicy = new GuestForwardPolicy(guestAnyAddress, guestPrivilegedPorts,
                GuestForwardPolicy.DEFAULT_MAX_FORWARDS, "berth-net -guest-any-address",
                "berth-net -guest-privileged-ports");
        apis.add(ApiServer.serveGuests(net, privateDir.resolve("gateway-api.sock"), guestPolicy));
        if (sshPort != -1) {
            try {
                net.forwards().expose("tcp", "127.0.0.1:" + sshPort, config.guestIp().getHostAddress() + ":22");
            } catch (ForwardException e) {
                System.err.println("berth-net: SSH port " + sshPort + ": " + e.getMessage() + " (choose another with -ssh-port)");
                System.exit(1);
            }
        }
        for (SshSocketForward.Spec spec : sshForwards) {
            apis.add(SshSocketForward.start(net, new InetSocketAddress(config.guestIp(), 22), spec));
        }
        if (pidFile != null) {
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        }
        Path pid = pidFile;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
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
            stopped.countDown();
        }));
        if (frameOutput != null) {
            // Last, once the shutdown hook cleans up: the end of the input may come at once.
            net.attachStreams(new FileInputStream(FileDescriptor.in), frameOutput, Framing.LENGTH16_LE)
                    .whenComplete((done, failure) -> {
                        System.err.println("berth-net: " + (failure == null ? "standard input ended"
                                : "cannot write to standard output: " + failure.getMessage()) + "; stopping");
                        System.exit(failure == null ? 0 : 1);
                    });
        }
        stopped.await();
    }

    /** gvproxy's rules: the four lists the same length, every identity file there; else IllegalArgumentException. */
    static List<SshSocketForward.Spec> sshForwards(List<String> socks, List<String> dests, List<String> users,
            List<String> identities) {
        int n = socks.size();
        if (dests.size() != n || users.size() != n || identities.size() != n) {
            throw new IllegalArgumentException("-forward-sock, -forward-dest, -forward-user, and -forward-identity must all"
                    + " be specified together, the same number of times, or not at all");
        }
        List<SshSocketForward.Spec> specs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path identity = Path.of(identities.get(i));
            if (!Files.isReadable(identity)) {
                throw new IllegalArgumentException(
                        "-forward-identity " + identity + ": the identity file does not exist or cannot be read");
            }
            String sock = socks.get(i).startsWith("unix://") ? unixPath(socks.get(i)).toString() : socks.get(i);
            specs.add(new SshSocketForward.Spec(Path.of(sock), dests.get(i), users.get(i), identity));
        }
        return specs;
    }

    private static void listen(VirtualNetwork net, String uri, Framing framing) throws IOException {
        URI u = URI.create(uri);
        switch (u.getScheme() == null ? "" : u.getScheme()) {
            case "unix" -> net.listenUnix(Path.of(u.getPath()), framing);
            case "tcp" -> net.listenTcp(new InetSocketAddress(u.getHost(), u.getPort()), framing);
            default -> usage("unsupported listen address " + uri + " (unix:///PATH or tcp://HOST:PORT)");
        }
    }

    private static Path unixPath(String uri) {
        URI u = URI.create(uri);
        if (!"unix".equals(u.getScheme())) {
            usage("the API listens on unix sockets only: unix:///PATH, not " + uri);
        }
        return Path.of(u.getPath());
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            usage(flag + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("berth-net: " + problem);
        System.err.println("usage: berth-net -listen-qemu unix:///PATH|tcp://HOST:PORT [-listen-stream-le unix:///PATH]"
                + " [-listen-stdio X]"
                + " [-listen unix:///PATH] [-services unix:///PATH] [-ssh-port N|-1]"
                + " [-mtu N] [-dns-upstream HOST:PORT] [-pid-file FILE] [-log-file FILE] [-debug]"
                + " [-guest-any-address] [-guest-privileged-ports]"
                + " [-forward-sock PATH -forward-dest GUEST_SOCKET -forward-user USER -forward-identity KEYFILE]...");
        System.exit(2);
    }
}
