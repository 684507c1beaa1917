package dev.berth.agent.server;

import dev.berth.BerthException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The agent's SSH login to its guest during a start: retried until the guest lets it in. */
final class SshLogin {
  private static final Logger LOG = LoggerFactory.getLogger(SshLogin.class);
  private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

  private final GuestShell.Connector connector;
  private final GuestShell.Target target;

  SshLogin(GuestShell.Connector connector, GuestShell.Target target) {
    this.connector = connector;
    this.target = target;
  }

  /**
   * Logs in as soon as the guest can be reached: on berth-net when the guest holds its address, in
   * parallel with the rest of its boot; on QEMU's network, which says nothing of the guest, once
   * the guest is Ready. Cancelling the result ends the attempts.
   */
  CompletableFuture<GuestShell> onceReachable(
      CompletableFuture<?> reachable, CompletableFuture<?> ready, Deadline deadline) {
    CompletableFuture<GuestShell> loggedIn = new CompletableFuture<>();
    CompletableFuture.anyOf(reachable, ready)
        .whenCompleteAsync(
            (value, error) -> {
              try {
                GuestShell shell = retry(deadline, loggedIn::isDone);
                if (!loggedIn.complete(shell)) {
                  shell.close();
                }
              } catch (RuntimeException e) {
                loggedIn.completeExceptionally(e);
              }
            },
            command -> {
              Thread thread = new Thread(command, "ssh-connect");
              thread.setDaemon(true);
              thread.start();
            });
    return loggedIn;
  }

  /** Retries until a login succeeds, the deadline passes, QEMU exits or {@code abandoned}. */
  GuestShell retry(Deadline deadline, BooleanSupplier abandoned) {
    Exception last = null;
    while (deadline.open() && !abandoned.getAsBoolean()) {
      QemuProcess qemu = deadline.qemu();
      if (!qemu.isAlive()) {
        throw deadline.startFailed(
            "QEMU exited with status " + qemu.exitValue() + " before SSH answered");
      }
      try {
        GuestShell shell = connector.login(target);
        LOG.info("SSH login as {} succeeded", target.user());
        return shell;
      } catch (BerthException e) {
        throw e;
      } catch (IOException | RuntimeException e) {
        LOG.debug("SSH login attempt failed: {}", e.toString());
        last = e;
      }
      deadline.clock().sleep(RETRY_PAUSE);
    }
    throw deadline.startFailed(
        "SSH to the guest never answered" + (last == null ? "" : ": " + last.getMessage()));
  }

  /** One more login, for a session that dropped after the start. */
  GuestShell login() throws IOException {
    return connector.login(target);
  }
}
