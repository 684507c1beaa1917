package dev.berth.ssh;

import dev.berth.BerthException;
import dev.berth.os.AtomicFiles;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;

/**
 * The guest's SSH host key, trusted on first use and pinned after: the first connection after the
 * first boot records it in a known_hosts file under a per-machine alias; every later connection,
 * from Berth or from the system {@code ssh} ({@code -o HostKeyAlias}), must present the same key.
 */
public final class HostKeyPin implements ServerKeyVerifier {
  private final Path knownHosts;
  private final String alias;
  private final AtomicReference<String> mismatch = new AtomicReference<>();

  public HostKeyPin(Path knownHosts, String alias) {
    this.knownHosts = knownHosts;
    this.alias = alias;
  }

  /**
   * The pin of a machine's guest host key, kept in the machine's configuration directory and shared
   * by its agent and {@code berth ssh}.
   */
  public static HostKeyPin ofMachine(Path machineConfigDir, String name) {
    return new HostKeyPin(machineConfigDir.resolve("known_hosts"), name + ".berth");
  }

  public Path knownHosts() {
    return knownHosts;
  }

  public String alias() {
    return alias;
  }

  @Override
  public boolean verifyServerKey(ClientSession session, SocketAddress remote, PublicKey key) {
    String presented = PublicKeyEntry.toString(key);
    try {
      if (!Files.exists(knownHosts)) {
        AtomicFiles.write(
            knownHosts,
            alias + " " + presented + "\n",
            PosixFilePermissions.fromString("rw-------"));
        return true;
      }
      String pinned = pinnedKey();
      if (pinned != null && pinned.equals(presented)) {
        return true;
      }
      mismatch.set(
          "the machine presented host key "
              + KeyUtils.getFingerPrint(key)
              + ", not the one recorded in "
              + knownHosts);
      return false;
    } catch (IOException e) {
      mismatch.set("cannot read or record the host key in " + knownHosts + ": " + e.getMessage());
      return false;
    }
  }

  private String pinnedKey() throws IOException {
    for (String line : Files.readAllLines(knownHosts)) {
      String[] parts = line.strip().split("\\s+");
      if (parts.length >= 3 && parts[0].equals(alias)) {
        return parts[1] + " " + parts[2];
      }
    }
    return null;
  }

  /** The error to report when verification refused the key; null if it did not. */
  public BerthException refusal() {
    String why = mismatch.get();
    return why == null
        ? null
        : new BerthException(
            "refusing to connect: " + why,
            "if the machine was rebuilt on purpose, delete "
                + knownHosts
                + "; otherwise something else answers on the machine's SSH port");
  }
}
