package dev.berth.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostKeyPinTest {
  @TempDir Path dir;

  @Test
  void firstKeyIsRecorded_sameKeyAccepted_otherKeyRefusedWithAClearError() throws Exception {
    KeyPair first = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    KeyPair other = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    Path knownHosts = dir.resolve("known_hosts");
    HostKeyPin pin = new HostKeyPin(knownHosts, "m.berth");

    assertThat(pin.verifyServerKey(null, null, first.getPublic())).isTrue();
    assertThat(Files.readString(knownHosts)).startsWith("m.berth ssh-ed25519 AAAA");
    assertThat(pin.verifyServerKey(null, null, first.getPublic())).isTrue();
    assertThat(pin.refusal()).isNull();

    assertThat(pin.verifyServerKey(null, null, other.getPublic())).isFalse();
    assertThat(pin.refusal().getMessage())
        .contains("refusing to connect")
        .contains(knownHosts.toString());
    assertThat(pin.refusal().hint())
        .hasValueSatisfying(h -> assertThat(h).contains("delete " + knownHosts));
  }
}
