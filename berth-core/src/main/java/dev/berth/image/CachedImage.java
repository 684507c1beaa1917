package dev.berth.image;

import java.nio.file.Path;
import java.time.Instant;

/**
 * An image in the cache, ready to back a machine disk.
 *
 * @param digest the SHA-256 of the image as it was fetched (compressed, as stream metadata's {@code
 *     disk.sha256}); the cache key
 * @param path the decompressed image file
 * @param format {@code qcow2} or {@code raw}, from the image's first bytes
 * @param size the image file's length in bytes (holes included)
 * @param source what it was fetched for: stream metadata URI, image URL or local file
 * @param stream the stream's name; null when not from a stream
 * @param release the stream's release (the image version); null when not from a stream
 * @param architecture {@code x86_64} or {@code aarch64} for images from a stream; null otherwise
 * @param created when it entered the cache
 * @param lastUsed when a pull last returned it
 * @param inUse whether a machine uses it, as the caller said
 * @param kernel the kernel to boot it with ({@code -kernel}); null when the image boots by itself
 * @param initramfs the initramfs for {@code kernel} ({@code -initrd}); null without one
 */
public record CachedImage(
    String digest,
    Path path,
    String format,
    long size,
    String source,
    String stream,
    String release,
    String architecture,
    Instant created,
    Instant lastUsed,
    boolean inUse,
    Path kernel,
    Path initramfs) {}
