/**
 * Guest images: where they come from, fetching them once, proving them intact, and the cache.
 *
 * <p>{@link dev.berth.image.ImageSource#parse} reads {@code --image}: a Fedora CoreOS stream name,
 * stream metadata (a URL or file; berth-os publishes the same format), an image URL or a local
 * file. {@link dev.berth.image.ImageCache#pull} resolves it for this host's architecture and, when
 * the cache lacks it, streams it in one pass through SHA-256 and the decompressor (chosen by magic
 * bytes: xz, gzip, zstd or none) into a sparse file that is renamed into the cache only after the
 * digests matched; an interrupted download resumes with an HTTP range request. Unlike podman 4,
 * which never checks the digest after a download and keeps stale images, every image is verified
 * and unused images are pruned (reference/podman-machine.md §3).
 *
 * <p>Every failure is a {@link dev.berth.BerthException} naming the URL or file, and progress is
 * reported as {@link dev.berth.ProgressListener} events; nothing here prints.
 */
package dev.berth.image;
