package dev.berth.connection;

import dev.berth.os.Host;
import java.nio.file.Path;

/**
 * How docker clients find a machine with no setting: the docker CLI by the context {@code
 * berth-NAME} ({@link DockerContexts}), Testcontainers by Docker Desktop's socket path ({@link
 * DesktopSocketLink}). Each machine is named by its API socket.
 */
public final class DockerClients {
  private final DockerContexts contexts;
  private final DesktopSocketLink link;

  DockerClients(DockerContexts contexts, DesktopSocketLink link) {
    this.contexts = contexts;
    this.link = link;
  }

  /** The registrations of this host's user; {@code runtime}: Berth's runtime root. */
  public static DockerClients of(Host host, Path runtime) {
    return new DockerClients(DockerContexts.of(host), DesktopSocketLink.of(host, runtime));
  }

  /** Throws when the machine's context name is taken by a context that is not Berth's. */
  public void checkFree(String machine, Path socket) {
    contexts.checkFree(machine, socket);
  }

  /** The machine's context, and the socket link when no other machine or program holds it. */
  public void register(String machine, Path socket) {
    contexts.add(machine, socket);
    try {
      link.claim(socket, false);
    } catch (RuntimeException e) {
      contexts.remove(machine, socket);
      throw e;
    }
  }

  /** Takes the socket link over from a machine that is not running; whether it now leads here. */
  public boolean claimLink(Path socket) {
    return link.claim(socket, false);
  }

  /**
   * Makes the machine the one clients find: its context current, the socket link its own unless
   * something other than Berth holds it. Returns whether the link leads to the machine.
   */
  public boolean makeDefault(String machine, Path socket) {
    contexts.add(machine, socket);
    contexts.use(machine);
    return link.claim(socket, true);
  }

  /** Undoes {@link #register} and {@link #makeDefault}, leaving what is not Berth's. */
  public void unregister(String machine, Path socket) {
    contexts.remove(machine, socket);
    link.release(socket);
  }

  public Path linkPath() {
    return link.path();
  }
}
