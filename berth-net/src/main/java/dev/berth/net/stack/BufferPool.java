package dev.berth.net.stack;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/** Direct buffers of one size, reused so that connections do not allocate them (or wait for GC to free them). */
final class BufferPool {

    private final int bufferBytes;
    private final int maxPooled;
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();

    BufferPool(int bufferBytes, int maxPooled) {
        this.bufferBytes = bufferBytes;
        this.maxPooled = maxPooled;
    }

    int bufferBytes() {
        return bufferBytes;
    }

    ByteBuffer take() {
        ByteBuffer b = free.poll();
        return b != null ? b.clear() : ByteBuffer.allocateDirect(bufferBytes);
    }

    void give(ByteBuffer b) {
        if (free.size() < maxPooled) {
            free.push(b);
        }
    }
}
