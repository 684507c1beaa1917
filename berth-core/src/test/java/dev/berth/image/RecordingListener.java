package dev.berth.image;

import dev.berth.ProgressListener;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every progress event for assertions. */
final class RecordingListener implements ProgressListener {
  record Transfer(String task, long done, long total) {}

  final List<String> steps = new CopyOnWriteArrayList<>();
  final List<Transfer> transfers = new CopyOnWriteArrayList<>();
  final List<String> warnings = new CopyOnWriteArrayList<>();

  @Override
  public void step(String message) {
    steps.add(message);
  }

  @Override
  public void transfer(String task, long done, long total) {
    transfers.add(new Transfer(task, done, total));
  }

  @Override
  public void warn(String message) {
    warnings.add(message);
  }
}
