package dev.berth.agent.server;

import dev.berth.net.ssh.ForwardSession;
import dev.berth.ssh.GuestSsh;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;

/** A login to the guest: commands, and streams to the guest's sockets. */
public interface GuestShell extends AutoCloseable {
  boolean isOpen();

  /** Runs {@code command}, waiting at most {@code timeout} for it to finish. */
  void exec(String command, Duration timeout) throws IOException;

  /**
   * Starts {@code command} and returns its standard output as it comes; closing the stream ends the
   * command.
   */
  InputStream output(String command) throws IOException;

  /**
   * Runs {@code command} and throws, with what it wrote to its standard error, unless it exits 0.
   */
  void check(String command, Duration timeout) throws IOException;

  /** This login for the API socket's forwarder. */
  ForwardSession forwardSession();

  @Override
  void close();

  /** Where and as whom the agent logs in. */
  record Target(int port, String user, Path privateKey) {}

  /** Logs in to the guest. */
  interface Connector extends AutoCloseable {
    /** One attempt; throws when the guest refuses or does not answer. */
    GuestShell login(Target target) throws IOException;

    @Override
    void close();
  }

  /**
   * SSH on the host's loopback port forwarded to the guest, every login a session of one client.
   */
  static Connector ssh(GuestSsh.Client client, Duration loginTimeout) {
    return new Connector() {
      @Override
      public GuestShell login(Target target) throws IOException {
        GuestSsh ssh =
            client.connect(
                "127.0.0.1", target.port(), target.user(), target.privateKey(), loginTimeout);
        return new GuestShell() {
          @Override
          public boolean isOpen() {
            return ssh.isOpen();
          }

          @Override
          public void exec(String command, Duration timeout) throws IOException {
            ssh.exec(command, timeout);
          }

          @Override
          public InputStream output(String command) throws IOException {
            return ssh.output(command, loginTimeout);
          }

          @Override
          public void check(String command, Duration timeout) throws IOException {
            GuestSsh.ExecResult result = ssh.exec(command, timeout);
            if (result.exitCode() != 0) {
              String said = (result.stderr().isBlank() ? result.stdout() : result.stderr()).strip();
              // the guest is untrusted: one line of bounded length in a message
              said = said.lines().findFirst().orElse("");
              throw new IOException(
                  (said.length() > 300 ? said.substring(0, 300) + "…" : said)
                      + " (exit status "
                      + result.exitCode()
                      + ")");
            }
          }

          @Override
          public ForwardSession forwardSession() {
            return ssh.forwardSession();
          }

          @Override
          public void close() {
            ssh.close();
          }
        };
      }

      @Override
      public void close() {
        client.close();
      }
    };
  }
}
