package dev.berth.net.dns;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the resolvers that answer the guest's names outside the local zones come from. The network asks
 * at each query that leaves it, on its event loop: an implementation answers at once (from what it last
 * read) and reads its source again at most every few seconds.
 */
@FunctionalInterface
public interface DnsUpstreams {

    int PORT = 53;

    /** The resolvers to try, in order (the next when one does not answer); empty when none is known. */
    List<InetSocketAddress> servers();

    /** Always {@code servers}. */
    static DnsUpstreams fixed(List<InetSocketAddress> servers) {
        List<InetSocketAddress> copy = List.copyOf(servers);
        return () -> copy;
    }

    /** The host's resolvers: {@code /etc/resolv.conf}, or on macOS ({@code darwin}) what {@code scutil --dns} lists. */
    static DnsUpstreams ofHost(boolean darwin) {
        return darwin ? ScutilDns.system() : ResolvConf.system();
    }

    /** The nameservers of {@code resolvConf}, read again when the file changes. */
    static DnsUpstreams resolvConf(Path resolvConf) {
        return new ResolvConf(resolvConf, System::nanoTime);
    }
}
