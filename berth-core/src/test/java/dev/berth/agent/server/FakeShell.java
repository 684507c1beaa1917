package dev.berth.agent.server;

import dev.berth.net.ssh.ForwardSession;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A login to the guest: records commands; {@code poweroff} ends QEMU as the guest would, {@link
 * #failing} fails.
 */
final class FakeShell implements GuestShell {
  final List<String> commands = new CopyOnWriteArrayList<>();
  final List<Duration> timeouts = new CopyOnWriteArrayList<>();
  private final FakeQemu qemu;
  volatile boolean open = true;

  /** A command that fails in the guest; null: none. */
  volatile String failing;

  FakeShell(FakeQemu qemu) {
    this.qemu = qemu;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void exec(String command, Duration timeout) throws IOException {
    commands.add(command);
    timeouts.add(timeout);
    if (command.equals(failing)) {
      throw new IOException("exit status 1");
    }
    if (command.equals(PowerOff.POWEROFF_COMMAND)) {
      open = false;
      qemu.exit(0);
    }
  }

  /** No guest programs here: the port reporter's output ends at once. */
  @Override
  public InputStream output(String command) {
    return InputStream.nullInputStream();
  }

  @Override
  public void check(String command, Duration timeout) throws IOException {
    exec(command, timeout);
  }

  @Override
  public ForwardSession forwardSession() {
    throw new UnsupportedOperationException("no API client in these tests");
  }

  @Override
  public void close() {
    open = false;
  }
}
