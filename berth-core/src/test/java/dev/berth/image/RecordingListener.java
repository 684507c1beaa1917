package dev.berth.image;

import dev.berth.MachineEvent;
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
  public void accept(MachineEvent event) {
    if (event instanceof MachineEvent.Step step) {
      steps.add(step.message());
    } else if (event instanceof MachineEvent.Transfer transfer) {
      transfers.add(new Transfer(transfer.task(), transfer.done(), transfer.total()));
    } else if (event instanceof MachineEvent.Warning warning) {
      warnings.add(warning.message());
    }
  }
}
