package dev.berth.testing;

import dev.berth.BerthException;
import dev.berth.connection.SystemConnections;
import dev.berth.machine.BaseImage;
import dev.berth.machine.BaseImageResolver;
import dev.berth.machine.BerthDirs;
import dev.berth.machine.InitOptions;
import dev.berth.machine.Machines;
import dev.berth.machine.PrivateDirectories;
import dev.berth.machine.StateProbe;
import dev.berth.os.Host;
import dev.berth.qemu.DiskImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** {@link Machines} over a temporary directory, with a fake {@code qemu-img}. */
public final class TestMachines {
  private TestMachines() {}

  /** Machines whose only base image is the file {@code base}. */
  public static Machines over(Host host, Path base, StateProbe states) {
    return over(host, resolverOf(base), states);
  }

  /**
   * Machines whose only base image is {@code base}, runtime directories checked on {@code
   * runtimeDirs}.
   */
  public static Machines over(
      Host host, Path base, StateProbe states, PrivateDirectories.FileSystem runtimeDirs) {
    return over(host, resolverOf(base), states, runtimeDirs);
  }

  private static BaseImageResolver resolverOf(Path base) {
    return (image, arch, progress) -> {
      if (!Path.of(image).equals(base)) {
        throw new BerthException("image file " + image + " does not exist");
      }
      return new BaseImage(base, "qcow2", "sha256:00", image, "custom", null, null, null);
    };
  }

  public static Machines over(Host host, BaseImageResolver images, StateProbe states) {
    return over(host, images, states, PrivateDirectories.POSIX);
  }

  /** Machines whose runtime directories are checked on {@code runtimeDirs}. */
  public static Machines over(
      Host host,
      BaseImageResolver images,
      StateProbe states,
      PrivateDirectories.FileSystem runtimeDirs) {
    try {
      Files.createDirectories(host.home());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return new Machines(
        host,
        BerthDirs.from(host),
        new DiskImages(new FakeQemuImg()),
        images,
        SystemConnections.of(host),
        states,
        Clock.fixed(Instant.parse("2026-11-28T10:00:00Z"), ZoneOffset.UTC),
        runtimeDirs);
  }

  /** Options for a small machine of {@code image}, with no volumes. */
  public static InitOptions options(String name, String image) {
    return new InitOptions(name, image, 1, 1024L, 20L, null, List.of(), null, false, "UTC");
  }
}
