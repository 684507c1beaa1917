package dev.berth.net.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that owns the stack's state. Every socket is non-blocking and registered here;
 * other threads hand work over with {@link #execute} or {@link #call}. Timers read the loop's
 * {@link Clock}. A {@linkplain #driven driven} loop has no thread of its own: the thread that made
 * it runs it an iteration at a time, so that a test decides when time passes.
 */
public final class EventLoop implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);

  /** How often {@link Participant#onTick} runs: the resolution of every timer. */
  public static final Duration TICK = Duration.ofMillis(20);

  private static final long TICK_NANOS = TICK.toNanos();

  /** Something registered with the selector. */
  public interface Handler {
    void onReady(SelectionKey key) throws IOException;

    /** The handler threw: release what it holds. */
    void onFailure(Exception e);
  }

  /** Called once per loop iteration after all ready channels were served, and on every tick. */
  public interface Participant {
    void afterEvents();

    void onTick(long nowNanos);
  }

  private final Selector selector;
  private final Clock clock;

  /** The loop's own thread, or for a driven loop the thread that runs it. */
  private final Thread thread;

  private final boolean driven;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private Participant participant;
  private volatile boolean running = true;
  private long now;
  private long nextTick;

  public EventLoop(String name) throws IOException {
    this(name, Clock.SYSTEM);
  }

  /** A loop on a thread of its own named {@code name}, its timers on {@code clock}. */
  public EventLoop(String name, Clock clock) throws IOException {
    this(clock, null, name);
  }

  /**
   * {@code driver}: the thread that runs a driven loop; null for a loop with a thread of its own.
   */
  private EventLoop(Clock clock, Thread driver, String name) throws IOException {
    this.selector = Selector.open();
    this.clock = clock;
    this.driven = driver != null;
    if (driven) {
      this.thread = driver;
    } else {
      this.thread = new Thread(this::run, name);
      thread.setDaemon(true);
    }
    this.now = clock.nanos();
    this.nextTick = now + TICK_NANOS;
  }

  /**
   * A loop without a thread: the calling thread runs it, one {@link #runOnce} at a time, and is the
   * loop's thread for {@link #inLoop} and {@link #call}.
   */
  public static EventLoop driven(Clock clock) throws IOException {
    return new EventLoop(clock, Thread.currentThread(), "driven");
  }

  public void start(Participant p) {
    this.participant = p;
    if (!driven) {
      thread.start();
    }
  }

  /** The time of the current iteration, from the loop's {@link Clock}. */
  public long now() {
    return now;
  }

  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  public SelectionKey register(SelectableChannel ch, int ops, Handler h) throws IOException {
    ch.configureBlocking(false);
    return ch.register(selector, ops, h);
  }

  /**
   * Lets the selector drop the keys cancelled in this iteration, so that closed channels release
   * their ports now rather than at the next select. Readiness is level-triggered: events seen here
   * come back.
   */
  public void releaseCancelled() throws IOException {
    selector.selectNow(k -> {});
  }

  public void execute(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /** Runs {@code task} on the loop and waits for its result. */
  public <T> T call(Callable<T> task) throws IOException {
    if (inLoop()) {
      try {
        return task.call();
      } catch (IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IOException(e);
      }
    }
    CompletableFuture<T> f = new CompletableFuture<>();
    execute(
        () -> {
          try {
            f.complete(task.call());
          } catch (Exception e) {
            f.completeExceptionally(e);
          }
        });
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IOException(e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("network event loop did not answer", e);
    }
  }

  private void run() {
    try {
      while (running) {
        iterate(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - now)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      release();
    }
  }

  /**
   * Runs one iteration of a driven loop without waiting: serves the channels ready now, the tasks
   * handed over, and the tick if the clock reached it. True when a channel was ready or a task ran:
   * the stack may have more to do at once.
   */
  public boolean runOnce() throws IOException {
    if (!driven || !inLoop()) {
      throw new IllegalStateException("only the thread that drives a driven loop runs it");
    }
    return iterate(0);
  }

  /** {@code waitMillis}: how long to wait for a ready channel; 0: not at all. */
  private boolean iterate(long waitMillis) throws IOException {
    int ready =
        waitMillis > 0
            ? selector.select(this::dispatch, waitMillis)
            : selector.selectNow(this::dispatch);
    now = clock.nanos();
    boolean ran = false;
    Runnable r;
    while ((r = tasks.poll()) != null) {
      r.run();
      ran = true;
    }
    participant.afterEvents();
    if (now - nextTick >= 0) {
      nextTick = now + TICK_NANOS;
      participant.onTick(now);
      participant.afterEvents();
    }
    return ready > 0 || ran;
  }

  private void release() {
    for (SelectionKey k : selector.keys()) {
      try {
        k.channel().close();
      } catch (IOException e) {
        LOG.debug("closing channel at loop end", e);
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      LOG.debug("closing selector", e);
    }
  }

  private void dispatch(SelectionKey key) {
    now = clock.nanos();
    Handler h = (Handler) key.attachment();
    try {
      if (key.isValid()) {
        h.onReady(key);
      }
    } catch (Exception e) {
      h.onFailure(e);
    }
  }

  @Override
  public void close() {
    if (driven) {
      if (running) {
        running = false;
        release();
      }
      return;
    }
    running = false;
    selector.wakeup();
    if (!inLoop()) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
