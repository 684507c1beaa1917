package dev.berth.machine;

import dev.berth.ProgressListener;

/** Turns the user's {@code --image} into a cached base image, fetching it if needed. */
public interface BaseImageResolver {
  BaseImage resolve(String image, ProgressListener progress);
}
