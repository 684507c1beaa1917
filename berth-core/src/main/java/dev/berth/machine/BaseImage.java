package dev.berth.machine;

import java.nio.file.Path;

/**
 * A cached base image a machine disk can be an overlay of, with where it came from. The kernel and
 * initrd are set for images booted directly (berth-os), null for firmware boot (FCOS).
 */
public record BaseImage(
    Path path,
    String format,
    String digest,
    String source,
    String stream,
    String version,
    Path kernel,
    Path initrd) {}
