package dev.berth.net.ssh;

import java.time.Duration;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.core.CoreModuleProperties;

/** MINA SSHD clients for a machine's guest. */
public final class SshClients {

  private SshClients() {}

  /**
   * A started client that reads nothing from the user's {@code ~/.ssh} (keys are added per
   * session), checks host keys with {@code verifier}, and holds a session for as long as it lives:
   * no idle cut-off, and keepalives so that a guest that went away is noticed.
   */
  public static SshClient longLived(ServerKeyVerifier verifier) {
    SshClient client = SshClient.setUpDefaultClient();
    client.setServerKeyVerifier(verifier);
    client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
    client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
    CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
    CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, Duration.ofSeconds(15));
    CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 4);
    client.start();
    return client;
  }
}
