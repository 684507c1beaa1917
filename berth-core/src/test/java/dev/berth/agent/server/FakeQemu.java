package dev.berth.agent.server;

import java.util.concurrent.CompletableFuture;

/** A QEMU that exits when a test, or a fake acting for the guest, says so. */
final class FakeQemu implements QemuProcess {
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  boolean killed;

  void exit(int status) {
    exit.complete(status);
  }

  @Override
  public boolean isAlive() {
    return !exit.isDone();
  }

  @Override
  public int exitValue() {
    return exit.getNow(-1);
  }

  @Override
  public CompletableFuture<?> onExit() {
    return exit;
  }

  @Override
  public void kill() {
    killed = true;
    exit(137);
  }
}
