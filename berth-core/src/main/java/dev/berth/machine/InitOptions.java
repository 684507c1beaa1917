package dev.berth.machine;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code berth init} was asked for. A null field takes the default, so that defaults live in
 * core, next to the limits they must respect.
 */
public record InitOptions(
    String name,
    String image,
    Integer cpus,
    Long memoryMiB,
    Long diskSizeGiB,
    String username,
    List<String> volumes,
    Path ignitionPath,
    boolean rootful,
    String timezone,
    MachineConfig.Publish publish,
    boolean saveState) {

  /** Options of a machine that shuts down on stop: saving its state is opt-in. */
  public InitOptions(
      String name,
      String image,
      Integer cpus,
      Long memoryMiB,
      Long diskSizeGiB,
      String username,
      List<String> volumes,
      Path ignitionPath,
      boolean rootful,
      String timezone,
      MachineConfig.Publish publish) {
    this(
        name,
        image,
        cpus,
        memoryMiB,
        diskSizeGiB,
        username,
        volumes,
        ignitionPath,
        rootful,
        timezone,
        publish,
        false);
  }

  /** Options with the default publishing policy. */
  public InitOptions(
      String name,
      String image,
      Integer cpus,
      Long memoryMiB,
      Long diskSizeGiB,
      String username,
      List<String> volumes,
      Path ignitionPath,
      boolean rootful,
      String timezone) {
    this(
        name,
        image,
        cpus,
        memoryMiB,
        diskSizeGiB,
        username,
        volumes,
        ignitionPath,
        rootful,
        timezone,
        null);
  }

  public static final long DEFAULT_MEMORY_MIB = 2048;
  public static final long DEFAULT_DISK_GIB = 100;
  public static final String DEFAULT_USER = "core";
}
