package dev.berth.net.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** A driven loop: its timers follow its clock, and only the thread that made it runs it. */
class EventLoopTest {

  private static final long TICK = EventLoop.TICK.toNanos();

  private long nanos = 1_000;
  private final List<Long> ticks = new ArrayList<>();

  private EventLoop started() throws Exception {
    EventLoop loop = EventLoop.driven(() -> nanos);
    loop.start(
        new EventLoop.Participant() {
          @Override
          public void afterEvents() {}

          @Override
          public void onTick(long now) {
            ticks.add(now);
          }
        });
    return loop;
  }

  @Test
  void theTickComesWhenTheClockReachesItAndNotBefore() throws Exception {
    try (EventLoop loop = started()) {
      nanos += TICK - 1;
      loop.runOnce();
      assertThat(ticks).isEmpty();
      nanos += 1;
      loop.runOnce();
      assertThat(ticks).containsExactly(1_000 + TICK);
      assertThat(loop.now()).isEqualTo(1_000 + TICK);
      nanos += TICK / 2;
      loop.runOnce();
      assertThat(ticks).hasSize(1);
    }
  }

  @Test
  void callRunsOnTheDrivingThreadAndExecutedTasksWaitForTheNextIteration() throws Exception {
    try (EventLoop loop = started()) {
      assertThat(loop.call(() -> Thread.currentThread())).isSameAs(Thread.currentThread());
      List<String> ran = new ArrayList<>();
      loop.execute(() -> ran.add("task"));
      assertThat(ran).isEmpty();
      assertThat(loop.runOnce()).isTrue();
      assertThat(ran).containsExactly("task");
      assertThat(loop.runOnce()).isFalse();
    }
  }

  @Test
  void noOtherThreadRunsIt() throws Exception {
    try (EventLoop loop = started()) {
      CompletableFuture<Void> elsewhere =
          CompletableFuture.runAsync(
              () -> {
                try {
                  loop.runOnce();
                } catch (java.io.IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      assertThatThrownBy(elsewhere::join).hasCauseInstanceOf(IllegalStateException.class);
    }
  }
}
