package dev.berth.machine;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.berth.net.forward.Forward;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The description written beside a saved machine state: what the state was saved from, so that a
 * restore happens only into the same disk, QEMU, settings and image, and the ports the guest had
 * published, so they listen again before the guest runs.
 *
 * @param stateBytes the size of the state file when it was complete; a different size is a
 *     truncated or replaced file
 * @param forwards the ports the guest had published (berth-net's forwards of guest origin)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record SavedState(
    @JsonProperty("FormatVersion") int formatVersion,
    @JsonProperty("SavedAt") Instant savedAt,
    @JsonProperty("StateBytes") long stateBytes,
    @JsonProperty("Fingerprint") StateFingerprint fingerprint,
    @JsonProperty("QemuVersion") String qemuVersion,
    @JsonProperty("Forwards") List<Forward> forwards) {

  /** The format this code writes and reads; any other is not restored. */
  public static final int FORMAT_VERSION = 1;

  public SavedState {
    forwards = forwards == null ? List.of() : List.copyOf(forwards);
  }

  /**
   * Why a state saved by {@code saved} QEMU cannot be continued by {@code running} QEMU, or empty.
   * Known only once the new QEMU answers on QMP, before the state is loaded into it.
   */
  public Optional<String> qemuMismatch(String running) {
    if (qemuVersion == null || !qemuVersion.equals(running)) {
      return Optional.of("QEMU changed (saved by " + qemuVersion + ", now " + running + ")");
    }
    return Optional.empty();
  }
}
