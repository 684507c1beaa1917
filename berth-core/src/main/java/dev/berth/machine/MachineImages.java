package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.ProgressListener;
import dev.berth.image.CachedImage;
import dev.berth.image.ImageCache;
import java.util.List;

/** The image cache seen through the machines: what is in use is never removed. */
public final class MachineImages {
  private final Machines machines;
  private final ImageCache cache;

  public MachineImages(Machines machines, ImageCache cache) {
    this.machines = machines;
    this.cache = cache;
  }

  public List<CachedImage> list() {
    return cache.list(machines.imagesInUse());
  }

  /** Removes unused images: superseded ones, or with {@code all} every unused one. */
  public List<CachedImage> prune(boolean all) {
    return cache.prune(all, machines.imagesInUse());
  }

  /**
   * After a successful init: drop unused images not used for {@link ImageCache#AUTO_PRUNE_AGE}.
   * Never fails the init that called it; a problem is a warning.
   */
  public void autoPrune(ProgressListener progress) {
    try {
      cache.pruneOlderThan(ImageCache.AUTO_PRUNE_AGE, machines.imagesInUse());
    } catch (BerthException e) {
      progress.warn("skipped pruning old images: " + e.getMessage());
    }
  }
}
