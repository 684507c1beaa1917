package dev.berth.machine;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code berth init} was asked for. A null field takes the default, so that defaults live in
 * core, next to the limits they must respect. {@code arch} is the guest architecture as the user
 * typed it ({@code x86_64}, {@code amd64}, {@code aarch64}, {@code arm64}); null: the host's.
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
    boolean saveState,
    String arch) {

  /** Options of a machine of the host's architecture. */
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
      MachineConfig.Publish publish,
      boolean saveState) {
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
        saveState,
        null);
  }

  /** Options of a machine that saves its state as {@link MachineConfig#SAVE_STATE_BY_DEFAULT}. */
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
        MachineConfig.SAVE_STATE_BY_DEFAULT);
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
