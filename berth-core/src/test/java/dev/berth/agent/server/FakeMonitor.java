package dev.berth.agent.server;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** QEMU's monitor: records the commands; the QEMU exits on those the test names. */
final class FakeMonitor implements GuestMonitor {
  final List<String> commands = new CopyOnWriteArrayList<>();
  private final FakeQemu qemu;
  private final boolean exitsOnPowerDown;
  private final boolean exitsOnQuit;

  FakeMonitor(FakeQemu qemu, boolean exitsOnPowerDown, boolean exitsOnQuit) {
    this.qemu = qemu;
    this.exitsOnPowerDown = exitsOnPowerDown;
    this.exitsOnQuit = exitsOnQuit;
  }

  @Override
  public void powerDown() {
    commands.add("system_powerdown");
    if (exitsOnPowerDown) {
      qemu.exit(0);
    }
  }

  @Override
  public void quit() {
    commands.add("quit");
    if (exitsOnQuit) {
      qemu.exit(0);
    }
  }

  @Override
  public void cont() {
    commands.add("cont");
  }

  @Override
  public dev.berth.qemu.QmpClient client() {
    return null;
  }

  @Override
  public void close() {
    commands.add("close");
  }
}
