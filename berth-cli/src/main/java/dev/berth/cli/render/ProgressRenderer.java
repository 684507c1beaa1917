package dev.berth.cli.render;

import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import java.io.PrintWriter;
import java.time.Duration;

/**
 * Renders core's events as the user sees them: on a terminal, steps as lines and transfers as a bar
 * redrawn in place with bytes, rate and time left; otherwise a plain line at most every few
 * seconds; with {@code --quiet}, nothing but warnings.
 */
public final class ProgressRenderer implements ProgressListener {
  private static final long PLAIN_INTERVAL_NANOS = Duration.ofSeconds(5).toNanos();
  private static final long BAR_INTERVAL_NANOS = Duration.ofMillis(100).toNanos();
  private static final int BAR_WIDTH = 30;

  private final PrintWriter err;
  private final boolean terminal;
  private final boolean quiet;
  private String task;
  private long taskStarted;
  private long lastDrawn;
  private boolean barOpen;

  private ProgressRenderer(PrintWriter err, boolean terminal, boolean quiet) {
    this.err = err;
    this.terminal = terminal;
    this.quiet = quiet;
  }

  public static ProgressRenderer of(PrintWriter err, boolean terminal, boolean quiet) {
    return new ProgressRenderer(err, terminal, quiet);
  }

  /**
   * Steps, transfers and warnings; the end of a start (ready, failed, stopped) is rendered by the
   * command that started it, and an agent's status is no progress.
   */
  @Override
  public void accept(MachineEvent event) {
    if (event instanceof MachineEvent.Step step) {
      step(step.message());
    } else if (event instanceof MachineEvent.Transfer transfer) {
      transfer(transfer.task(), transfer.done(), transfer.total());
    } else if (event instanceof MachineEvent.Warning warning) {
      warn(warning.message());
    }
  }

  private void step(String message) {
    if (quiet) {
      return;
    }
    closeBar();
    err.println(message);
    err.flush();
  }

  private void transfer(String name, long done, long total) {
    if (quiet) {
      return;
    }
    long now = System.nanoTime();
    if (!name.equals(task)) {
      closeBar();
      task = name;
      taskStarted = now;
      lastDrawn = 0;
    }
    boolean finished = total >= 0 && done >= total;
    long interval = terminal ? BAR_INTERVAL_NANOS : PLAIN_INTERVAL_NANOS;
    if (!finished && lastDrawn != 0 && now - lastDrawn < interval) {
      return;
    }
    lastDrawn = now;
    double seconds = Math.max(1e-3, (now - taskStarted) / 1e9);
    long rate = (long) (done / seconds);
    String figures = figures(done, total, rate);
    if (terminal) {
      err.print("\r" + name + " " + bar(done, total) + " " + figures + "\u001b[K");
      barOpen = true;
      if (finished) {
        closeBar();
      }
    } else {
      err.println(name + ": " + figures);
    }
    err.flush();
  }

  private void warn(String message) {
    closeBar();
    err.println("Warning: " + message);
    err.flush();
  }

  /** Ends an open bar line; call when the operation is over. */
  public void finish() {
    closeBar();
  }

  private void closeBar() {
    if (barOpen) {
      err.println();
      barOpen = false;
    }
  }

  static String figures(long done, long total, long rate) {
    StringBuilder out = new StringBuilder(Humanize.bytes(done));
    if (total >= 0) {
      out.append(" / ").append(Humanize.bytes(total));
    }
    out.append(", ").append(Humanize.bytes(rate)).append("/s");
    if (total > 0 && rate > 0 && done < total) {
      long left = (total - done) / rate;
      out.append(", ")
          .append(left / 60)
          .append("m")
          .append(String.format("%02d", left % 60))
          .append("s left");
    }
    return out.toString();
  }

  private static String bar(long done, long total) {
    if (total <= 0) {
      return "[" + "?".repeat(BAR_WIDTH) + "]";
    }
    int filled = (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
    return "[" + "=".repeat(filled) + " ".repeat(BAR_WIDTH - filled) + "]";
  }
}
