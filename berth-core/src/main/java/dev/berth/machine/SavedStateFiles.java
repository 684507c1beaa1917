package dev.berth.machine;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.berth.Json;
import dev.berth.os.AtomicFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A machine's saved state on disk, beside its disk (the state is worthless without that disk, and
 * goes where the disk goes): {@code DISK.state} is QEMU's migration stream, {@code DISK.state.json}
 * its {@link SavedState} description. A save writes {@code DISK.state.partial} and renames it into
 * place only when QEMU has written all of it, then writes the description: a save cut short (QEMU
 * or the agent killed) leaves a partial file or a state without description, and neither is
 * restored.
 */
public final class SavedStateFiles {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  /** QEMU's migration stream starts with "QEVM" and stream version 3 (migration/savevm.c). */
  private static final byte[] QEMU_STATE_HEADER = {'Q', 'E', 'V', 'M', 0, 0, 0, 3};

  private final Path state;
  private final Path description;
  private final Path partial;

  public SavedStateFiles(Path disk) {
    String name = disk.getFileName().toString();
    this.state = disk.resolveSibling(name + ".state");
    this.description = disk.resolveSibling(name + ".state.json");
    this.partial = disk.resolveSibling(name + ".state.partial");
  }

  /** What {@link #check} found. */
  public sealed interface Verdict permits Absent, Usable, Unusable {}

  /** No state was saved: start as usual. */
  public record Absent() implements Verdict {}

  /** A state that matches; QEMU's version is still to be compared once QEMU answers. */
  public record Usable(SavedState saved, Path stateFile) implements Verdict {}

  /** A state that must not be restored, and why, in one line. */
  public record Unusable(String reason) implements Verdict {}

  public Path stateFile() {
    return state;
  }

  public Path descriptionFile() {
    return description;
  }

  /** Every file a saved state may consist of, for {@code rm} and cleanup. */
  public List<Path> all() {
    return List.of(state, description, partial);
  }

  /** The size of a complete saved state, if there is one. */
  public Optional<Long> size() {
    try {
      if (!Files.exists(description)) {
        return Optional.empty();
      }
      return Optional.of(Files.size(state));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Whether the state saved here may be restored into a machine that is now {@code now}. */
  public Verdict check(StateFingerprint now) {
    boolean hasState = Files.exists(state);
    boolean hasDescription = Files.exists(description);
    if (Files.exists(partial)) {
      return new Unusable("the last save did not finish");
    }
    if (!hasState && !hasDescription) {
      return new Absent();
    }
    if (!hasDescription) {
      return new Unusable("the saved state has no description (its save did not finish)");
    }
    if (!hasState) {
      return new Unusable("the saved state file " + state + " is missing");
    }
    SavedState saved;
    try {
      saved = Json.mapper().readValue(description.toFile(), SavedState.class);
    } catch (JsonProcessingException e) {
      return new Unusable("the saved state's description is unreadable: " + e.getOriginalMessage());
    } catch (IOException e) {
      return new Unusable("cannot read the saved state's description: " + e.getMessage());
    }
    if (saved.formatVersion() != SavedState.FORMAT_VERSION || saved.fingerprint() == null) {
      return new Unusable("the saved state is of another format (" + saved.formatVersion() + ")");
    }
    try {
      long size = Files.size(state);
      if (size != saved.stateBytes()) {
        return new Unusable(
            "the state file is " + size + " bytes, but " + saved.stateBytes() + " were saved");
      }
      if (!hasQemuHeader()) {
        return new Unusable("the state file is not a QEMU state (corrupt)");
      }
    } catch (IOException e) {
      return new Unusable("cannot read the state file: " + e.getMessage());
    }
    return saved
        .fingerprint()
        .mismatch(now)
        .<Verdict>map(Unusable::new)
        .orElseGet(() -> new Usable(saved, state));
  }

  private boolean hasQemuHeader() throws IOException {
    try (InputStream in = Files.newInputStream(state)) {
      return Arrays.equals(in.readNBytes(QEMU_STATE_HEADER.length), QEMU_STATE_HEADER);
    }
  }

  /**
   * Clears any earlier state and creates the empty file QEMU writes into, the owner's alone (the
   * state holds the guest's memory: its keys and secrets). QEMU's writer truncates, keeping the
   * mode.
   */
  public Path beginSave() throws IOException {
    remove();
    Files.createFile(partial, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    return partial;
  }

  /** Publishes a completely written state with its description; {@code saved} gives its size. */
  public void commit(SavedState saved) throws IOException {
    long size = Files.size(partial);
    if (size != saved.stateBytes()) {
      throw new IOException("the state file is " + size + " bytes, expected " + saved.stateBytes());
    }
    // a state the disk did not keep whole (a host that lost power) must never be loaded: the
    // description, which makes it usable, follows only once the state is on the disk
    AtomicFiles.publish(partial, state);
    AtomicFiles.write(description, Json.mapper().writeValueAsString(saved), OWNER_ONLY);
  }

  /** Deletes the saved state, complete or not; true if there was anything. */
  public boolean remove() throws IOException {
    boolean any = false;
    // the description first: a state without one is never restored, whatever happens next
    for (Path path : List.of(description, state, partial)) {
      try {
        any |= Files.deleteIfExists(path);
      } catch (NoSuchFileException e) {
        // removed meanwhile
      }
    }
    return any;
  }
}
