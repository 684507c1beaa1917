package dev.berth.machine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a saved state depends on, known before QEMU starts: the disk exactly as QEMU left it, the
 * settings that shape the virtual hardware, the image release and the rest of QEMU's command line.
 * A restore into anything else would run the guest's memory against a disk or devices it does not
 * know, so any difference means a cold boot.
 *
 * @param commandLine a digest of QEMU's command line, for every device detail the named fields do
 *     not cover (network mode, MTU, firmware, kernel)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record StateFingerprint(
    @JsonProperty("Disk") DiskIdentity disk,
    @JsonProperty("CPUs") int cpus,
    @JsonProperty("MemoryMiB") long memoryMiB,
    @JsonProperty("Volumes") List<String> volumes,
    @JsonProperty("Image") String image,
    @JsonProperty("CommandLine") String commandLine) {

  public StateFingerprint {
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
  }

  /**
   * The fingerprint of {@code config} as it is now. {@code qemuArgv} is the command line of a boot
   * that is not the first (a state is saved only after the first boot completed, and the first
   * boot's kernel arguments differ), without {@code -incoming}.
   */
  public static StateFingerprint of(MachineConfig config, List<String> qemuArgv)
      throws IOException {
    MachineConfig.ImageInfo image = config.image();
    return new StateFingerprint(
        DiskIdentity.of(config.diskPath()),
        config.resources().cpus(),
        config.resources().memoryMiB(),
        config.mounts().stream()
            .map(m -> m.source() + ":" + m.target() + (m.readOnly() ? ":ro" : ""))
            .toList(),
        image == null ? null : image.version() + "@" + image.digest(),
        sha256(String.join("\0", qemuArgv)));
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /** The disk file as QEMU left it: any later write (a resize, a boot) changes its size or time. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record DiskIdentity(
      @JsonProperty("Size") long size, @JsonProperty("ModifiedNanos") long modifiedNanos) {
    public static DiskIdentity of(Path disk) throws IOException {
      BasicFileAttributes attributes = Files.readAttributes(disk, BasicFileAttributes.class);
      return new DiskIdentity(
          attributes.size(),
          attributes.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
    }
  }

  /** The first difference between what a state was saved from and what is here now, in words. */
  public Optional<String> mismatch(StateFingerprint now) {
    if (cpus != now.cpus) {
      return Optional.of("the CPU count changed (" + cpus + " to " + now.cpus + ")");
    }
    if (memoryMiB != now.memoryMiB) {
      return Optional.of("the memory changed (" + memoryMiB + " to " + now.memoryMiB + " MiB)");
    }
    if (!volumes.equals(now.volumes)) {
      return Optional.of("the volumes changed");
    }
    if (!Objects.equals(image, now.image)) {
      return Optional.of("the image release changed (" + image + " to " + now.image + ")");
    }
    if (!Objects.equals(disk, now.disk)) {
      return Optional.of("the disk changed after the state was saved");
    }
    if (!Objects.equals(commandLine, now.commandLine)) {
      return Optional.of("QEMU's devices changed (network, firmware or kernel)");
    }
    return Optional.empty();
  }
}
