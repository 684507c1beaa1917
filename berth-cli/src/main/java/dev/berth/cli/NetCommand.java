package dev.berth.cli;

import dev.berth.BerthException;
import dev.berth.net.BerthNetMain;
import dev.berth.net.BerthNetOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code berth net}: berth-net on its own, a drop-in for gvproxy. It takes gvproxy's flags as
 * gvproxy spells them (one dash, {@code -flag value} or {@code -flag=value}; two dashes work too)
 * and runs until it is stopped by a signal, or until standard input ends with {@code
 * -listen-stdio}.
 */
@Command(
    name = "net",
    mixinStandardHelpOptions = true,
    description = {
      "Run a user-mode network for a VM on its own, as gvproxy does, with gvproxy's flags.",
      "Runs until stopped (SIGTERM, SIGINT), or until standard input ends with -listen-stdio."
    })
final class NetCommand extends BaseCommand {
  @Option(
      names = {"-listen-qemu", "--listen-qemu"},
      paramLabel = "URI",
      description =
          "A VM's network over QEMU's stream framing: unix:///PATH or tcp://HOST:PORT (repeatable).")
  List<String> listenQemu = new ArrayList<>();

  @Option(
      names = {"-listen-stream-le", "--listen-stream-le"},
      paramLabel = "URI",
      description = "A VM's network with 2-byte little-endian framing: unix:///PATH (repeatable).")
  List<String> listenStreamLe = new ArrayList<>();

  @Option(
      names = {"-listen-stdio", "--listen-stdio"},
      paramLabel = "X",
      description =
          "Any non-empty X: one VM's frames on standard input and output (2-byte little-endian"
              + " framing); logs go to standard error and the end of the input stops the network.")
  String listenStdio = "";

  @Option(
      names = {"-listen", "--listen"},
      paramLabel = "URI",
      description = "The HTTP API with /connect: unix:///PATH (repeatable).")
  List<String> listen = new ArrayList<>();

  @Option(
      names = {"-services", "--services"},
      paramLabel = "URI",
      description =
          "The HTTP API without /connect (forwarder, DNS, leases, stats): unix:///PATH (repeatable).")
  List<String> services = new ArrayList<>();

  @Option(
      names = {"-ssh-port", "--ssh-port"},
      paramLabel = "PORT",
      defaultValue = "2222",
      description =
          "The host's 127.0.0.1:PORT to the guest's port 22; -1 for none (default: ${DEFAULT-VALUE}).")
  int sshPort;

  @Option(
      names = {"-mtu", "--mtu"},
      paramLabel = "N",
      defaultValue = "1500",
      description = "The network's MTU; 0 means 1500 (default: ${DEFAULT-VALUE}).")
  int mtu;

  @Option(
      names = {"-dns-upstream", "--dns-upstream"},
      paramLabel = "HOST:PORT",
      description = "Resolve the guest's DNS queries there instead of with the host's resolver.")
  String dnsUpstream;

  @Option(
      names = {"-pid-file", "--pid-file"},
      paramLabel = "FILE",
      description = "Write the process id there; removed at exit.")
  Path pidFile;

  @Option(
      names = {"-log-file", "--log-file"},
      paramLabel = "FILE",
      description = "Append the log there instead of to standard error.")
  Path logFile;

  @Option(
      names = {"-debug", "--debug"},
      arity = "0..1",
      description = "Log at debug level.")
  boolean debug;

  @Option(
      names = {"-forward-sock", "--forward-sock"},
      paramLabel = "PATH",
      description =
          "A host unix socket carried over SSH to -forward-dest in the guest (repeatable; the"
              + " n-th of each -forward-* flag make one forward).")
  List<String> forwardSock = new ArrayList<>();

  @Option(
      names = {"-forward-dest", "--forward-dest"},
      paramLabel = "GUEST_SOCKET",
      description = "The guest's unix socket a -forward-sock reaches.")
  List<String> forwardDest = new ArrayList<>();

  @Option(
      names = {"-forward-user", "--forward-user"},
      paramLabel = "USER",
      description = "The SSH user a -forward-sock logs in as.")
  List<String> forwardUser = new ArrayList<>();

  @Option(
      names = {"-forward-identity", "--forward-identity"},
      paramLabel = "KEYFILE",
      description = "The private key a -forward-sock logs in with.")
  List<String> forwardIdentity = new ArrayList<>();

  @Option(
      names = {"-guest-any-address", "--guest-any-address"},
      arity = "0..1",
      description =
          "Let the guest's forwarder requests listen on any host address, not only loopback.")
  boolean guestAnyAddress;

  @Option(
      names = {"-guest-privileged-ports", "--guest-privileged-ports"},
      arity = "0..1",
      description = "Let the guest's forwarder requests listen on host ports below 1024.")
  boolean guestPrivilegedPorts;

  @Override
  public Integer call() throws Exception {
    BerthNetOptions options = new BerthNetOptions();
    options.listenQemu.addAll(listenQemu);
    options.listenStreamLe.addAll(listenStreamLe);
    options.listenStdio = !listenStdio.isEmpty();
    options.listen.addAll(listen);
    options.services.addAll(services);
    options.sshPort = sshPort;
    options.mtu = mtu;
    options.dnsUpstream = dnsUpstream;
    options.pidFile = pidFile;
    options.logFile = logFile;
    options.debug = debug || LogLevel.debug();
    options.forwardSock.addAll(forwardSock);
    options.forwardDest.addAll(forwardDest);
    options.forwardUser.addAll(forwardUser);
    options.forwardIdentity.addAll(forwardIdentity);
    options.guestAnyAddress = guestAnyAddress;
    options.guestPrivilegedPorts = guestPrivilegedPorts;
    // The network logs what it does, as gvproxy does.
    if (!options.debug) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
    }
    try {
      return BerthNetMain.run(options);
    } catch (IllegalArgumentException e) {
      throw new BerthException(e.getMessage(), "see 'berth net --help'", e);
    }
  }
}
