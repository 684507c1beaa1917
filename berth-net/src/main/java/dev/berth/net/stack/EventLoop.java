package dev.berth.net.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
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
 * other threads hand work over with {@link #execute} or {@link #call}.
 */
public final class EventLoop implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(EventLoop.class);
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

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
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private Participant participant;
    private volatile boolean running = true;
    private long now = System.nanoTime();
    private long nextTick = now + TICK_NANOS;

    public EventLoop(String name) throws IOException {
        this.selector = Selector.open();
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    public void start(Participant p) {
        this.participant = p;
        thread.start();
    }

    /** The time of the current iteration, from {@link System#nanoTime()}. */
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
     * Lets the selector drop the keys cancelled in this iteration, so that closed channels release their
     * ports now rather than at the next select. Readiness is level-triggered: events seen here come back.
     */
    public void releaseCancelled() throws IOException {
        selector.selectNow(k -> { });
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
        execute(() -> {
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
                long waitMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(nextTick - now));
                selector.select(this::dispatch, waitMs);
                now = System.nanoTime();
                Runnable r;
                while ((r = tasks.poll()) != null) {
                    r.run();
                }
                participant.afterEvents();
                if (now - nextTick >= 0) {
                    nextTick = now + TICK_NANOS;
                    participant.onTick(now);
                    participant.afterEvents();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
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
    }

    private void dispatch(SelectionKey key) {
        now = System.nanoTime();
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
