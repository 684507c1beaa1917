package dev.berth.machine;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import dev.berth.image.CachedImage;
import dev.berth.image.ImageCache;
import java.util.List;

/**
 * The image cache seen through the machines: what is in use is never removed. Each operation holds
 * the lock that {@code init} holds from fetching a base image until the machine whose disk refers
 * to it exists, so a prune cannot remove an image between the two.
 */
public final class MachineImages {
  private final Machines machines;
  private final ImageCache cache;

  public MachineImages(Machines machines, ImageCache cache) {
    this.machines = machines;
    this.cache = cache;
  }

  public List<CachedImage> list() {
    try (MachineLocks.Held lock = machines.locks().global()) {
      return cache.list(machines.imagesInUse());
    }
  }

  /** Removes unused images: superseded ones, or with {@code all} every unused one. */
  public List<CachedImage> prune(boolean all) {
    try (MachineLocks.Held lock = machines.locks().global()) {
      return cache.prune(all, machines.imagesInUse());
    }
  }

  /**
   * After a successful init: drop unused images not used for {@link ImageCache#AUTO_PRUNE_AGE}.
   * Never fails the init that called it; a problem is a warning.
   */
  public void autoPrune(ProgressListener progress) {
    try (MachineLocks.Held lock = machines.locks().global()) {
      cache.pruneOlderThan(ImageCache.AUTO_PRUNE_AGE, machines.imagesInUse());
    } catch (BerthException e) {
      progress.accept(new MachineEvent.Warning("skipped pruning old images: " + e.getMessage()));
    }
  }
}
