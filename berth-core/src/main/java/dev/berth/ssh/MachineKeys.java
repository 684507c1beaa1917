package dev.berth.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;

/**
 * A machine's SSH key pair: ed25519, private key in OpenSSH format (what {@code ssh -i} and {@code
 * ssh-keygen} read), mode 0600 in a 0700 directory.
 */
public final class MachineKeys {
  private MachineKeys() {}

  /** The paths of a written key pair and the public key as an authorized_keys line. */
  public record Written(Path privateKey, Path publicKey, String authorizedKey) {}

  /**
   * Generates a pair and writes {@code privateKey} and {@code privateKey.pub}. Fails if either
   * exists: a key is never silently replaced.
   */
  public static Written generate(Path privateKey, String comment) throws IOException {
    KeyPair pair;
    try {
      pair = KeyUtils.generateKeyPair(KeyPairProvider.SSH_ED25519, 256);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot generate an ed25519 key: " + e.getMessage(), e);
    }
    Path dir = privateKey.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path publicKey = Path.of(privateKey + ".pub");
    String authorizedKey = PublicKeyEntry.toString(pair.getPublic()) + " " + comment;
    try (OutputStream out =
        Files.newOutputStream(
            Files.createFile(
                privateKey,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))),
            StandardOpenOption.WRITE)) {
      OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, null, out);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot encode the key for " + privateKey + ": " + e.getMessage(), e);
    }
    Files.writeString(
        Files.createFile(
            publicKey,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"))),
        authorizedKey + "\n");
    return new Written(privateKey, publicKey, authorizedKey);
  }
}
