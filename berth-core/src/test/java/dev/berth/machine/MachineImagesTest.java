package dev.berth.machine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.ProgressListener;
import dev.berth.image.CachedImage;
import dev.berth.image.ImageCache;
import dev.berth.os.Host;
import dev.berth.testing.TestHosts;
import dev.berth.testing.TestMachines;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineImagesTest {
  @TempDir Path dir;

  @Test
  void prune_whileInitUsesAFetchedImage_waitsAndKeepsIt() throws Exception {
    Host host = TestHosts.under(dir);
    Path local = Files.write(dir.resolve("local.raw"), new byte[1024 * 1024]);
    ImageCache cache = new ImageCache(BerthDirs.from(host).images());
    List<CachedImage> pruned = new CopyOnWriteArrayList<>();
    CountDownLatch pruneDone = new CountDownLatch(1);
    MachineImages[] images = new MachineImages[1];
    Path[] fetched = new Path[1];
    BaseImageResolver fetchThenPrune =
        (image, arch, progress) -> {
          BaseImage base = new CachedBaseImages(cache).resolve(image, arch, progress);
          fetched[0] = base.path();
          new Thread(
                  () -> {
                    pruned.addAll(images[0].prune(true));
                    pruneDone.countDown();
                  })
              .start();
          try {
            // a prune that ignores init's lock removes the image meanwhile
            pruneDone.await(500, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return base;
        };
    Machines machines = TestMachines.over(host, fetchThenPrune, name -> MachineState.STOPPED);
    images[0] = new MachineImages(machines, cache);

    machines.init(TestMachines.options("m", local.toString()), ProgressListener.NONE);

    assertThat(pruneDone.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(pruned).isEmpty();
    assertThat(fetched[0]).exists();
    assertThat(images[0].list()).singleElement().satisfies(i -> assertThat(i.inUse()).isTrue());
  }
}
