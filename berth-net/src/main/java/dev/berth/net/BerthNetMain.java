package dev.berth.net;

import java.io.FileOutputStream;
import java.io.IOException;
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
 * {@code -listen-qemu unix:///PATH|tcp://HOST:PORT}, {@code -listen-stream-le unix:///PATH} (2-byte
 * little-endian framing), {@code -mtu N}, {@code -pid-file FILE}, {@code -log-file FILE}, {@code -debug},
 * and {@code -dns-upstream HOST:PORT}. Runs until killed.
 */
public final class BerthNetMain {

    private BerthNetMain() {
    }

    public static void main(String[] args) throws Exception {
        List<String> qemu = new ArrayList<>();
        List<String> lengthLe = new ArrayList<>();
        NetworkConfig config = NetworkConfig.gvproxyDefaults();
        Path pidFile = null;
        for (int i = 0; i < args.length; i++) {
            String flag = args[i].startsWith("--") ? args[i].substring(1) : args[i];
            switch (flag) {
                case "-listen-qemu" -> qemu.add(value(args, ++i, flag));
                case "-listen-stream-le" -> lengthLe.add(value(args, ++i, flag));
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
                case "-pid-file" -> pidFile = Path.of(value(args, ++i, flag));
                case "-log-file" -> {
                    PrintStream log = new PrintStream(new FileOutputStream(value(args, ++i, flag), true), true,
                            StandardCharsets.UTF_8);
                    System.setOut(log);
                    System.setErr(log);
                }
                case "-debug" -> System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "debug");
                default -> usage("unknown flag " + args[i]);
            }
        }
        if (qemu.isEmpty() && lengthLe.isEmpty()) {
            usage("nothing to listen on: give -listen-qemu or -listen-stream-le");
        }
        VirtualNetwork net = VirtualNetwork.start(config);
        for (String uri : qemu) {
            listen(net, uri, Framing.QEMU);
        }
        for (String uri : lengthLe) {
            listen(net, uri, Framing.LENGTH16_LE);
        }
        if (pidFile != null) {
            Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        }
        Path pid = pidFile;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            net.close();
            if (pid != null) {
                try {
                    Files.deleteIfExists(pid);
                } catch (IOException e) {
                    System.err.println("cannot remove " + pid + ": " + e);
                }
            }
            stopped.countDown();
        }));
        stopped.await();
    }

    private static void listen(VirtualNetwork net, String uri, Framing framing) throws IOException {
        URI u = URI.create(uri);
        switch (u.getScheme() == null ? "" : u.getScheme()) {
            case "unix" -> net.listenUnix(Path.of(u.getPath()), framing);
            case "tcp" -> net.listenTcp(new InetSocketAddress(u.getHost(), u.getPort()), framing);
            default -> usage("unsupported listen address " + uri + " (unix:///PATH or tcp://HOST:PORT)");
        }
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
                + " [-mtu N] [-dns-upstream HOST:PORT] [-pid-file FILE] [-log-file FILE] [-debug]");
        System.exit(2);
    }
}
