package dev.berth.cli;

import dev.berth.MachineEvent;
import dev.berth.agent.AgentProtocol;
import dev.berth.net.api.ApiRoutes;
import dev.berth.net.api.ApiServer;
import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.network.VirtualNetwork;
import dev.berth.os.Host;
import java.io.BufferedReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The build's training run for the class-data archive ({@code berth.jsa} beside the jar, made with
 * {@code -XX:ArchiveClassesAtExit}): it loads the classes that the CLI and a machine's agent load
 * before they do anything useful (the commands, Jackson, berth-net's stack and API), so that both
 * JVMs map them instead of loading and verifying them. That halves their start-up, which every
 * {@code berth start} pays twice. (picocli's own classes stay out: they are Java 5 class files,
 * which the archive cannot hold.)
 *
 * <p>Usage: {@code java -XX:ArchiveClassesAtExit=berth.jsa -cp berth.jar
 * dev.berth.cli.ClassDataTraining DIR}; DIR is a scratch directory.
 */
public final class ClassDataTraining {
  private ClassDataTraining() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]).toAbsolutePath();
    Files.createDirectories(dir);
    Host real = Host.current();
    Map<String, String> env = new HashMap<>(real.env());
    env.put("BERTH_HOME", dir.resolve("home").toString());
    env.put("XDG_CONFIG_HOME", dir.resolve("xdg").toString());
    Host host =
        new Host(
            env,
            dir,
            real.userName(),
            real.uid(),
            real.os(),
            real.arch(),
            real.cpus(),
            real.memoryBytes(),
            real.zone());
    CliContext context = new CliContext(host, new BufferedReader(Reader.nullReader()), false);
    PrintWriter discard = new PrintWriter(Writer.nullWriter());
    for (List<String> command :
        List.of(
            List.of("--help"),
            List.of("start", "--help"),
            List.of("list"),
            List.of("list", "--format", "json"),
            List.of("inspect", "training"),
            List.of("ports", "training"))) {
      Main.commandLine(context)
          .setOut(discard)
          .setErr(discard)
          .execute(command.toArray(String[]::new));
    }
    AgentProtocol.decode(AgentProtocol.encode(new MachineEvent.Step("training")));

    try (VirtualNetwork net = VirtualNetwork.start(NetworkConfig.gvproxyDefaults());
        ApiServer api = ApiServer.start(net, ApiRoutes.Scope.SERVICES, dir.resolve("api.sock"));
        ApiServer guests =
            ApiServer.serveGuests(
                net,
                dir.resolve("gateway.sock"),
                GuestForwardPolicy.loopbackOnly("training", "training"))) {
      net.listenUnix(dir.resolve("net.sock"), Framing.QEMU);
      net.forwards().expose("tcp", "127.0.0.1:0", "192.168.127.2:22");
    }
  }
}
