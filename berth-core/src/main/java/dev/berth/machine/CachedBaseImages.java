package dev.berth.machine;

import dev.berth.ProgressListener;
import dev.berth.image.Architecture;
import dev.berth.image.CachedImage;
import dev.berth.image.ImageCache;
import dev.berth.image.ImageSource;

/** Base images from the image cache: a stream, an image URL or a local file, fetched once. */
public final class CachedBaseImages implements BaseImageResolver {
  private final ImageCache cache;

  public CachedBaseImages(ImageCache cache) {
    this.cache = cache;
  }

  @Override
  public BaseImage resolve(String image, Architecture arch, ProgressListener progress) {
    CachedImage cached = cache.pull(ImageSource.parse(image), arch, progress);
    return new BaseImage(
        cached.path(),
        cached.format(),
        cached.digest(),
        cached.source(),
        cached.stream() == null ? "custom" : cached.stream(),
        cached.release(),
        cached.kernel(),
        cached.initramfs());
  }
}
