package dev.berth.machine;

import dev.berth.ProgressListener;
import dev.berth.image.Architecture;

/**
 * Turns the user's {@code --image} into a cached base image for a machine of {@code arch}, fetching
 * it if needed.
 */
public interface BaseImageResolver {
  BaseImage resolve(String image, Architecture arch, ProgressListener progress);
}
