package dev.berth.ignition;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An Ignition config, spec 3.2.0: the subset Berth writes. Field names are the spec's JSON names.
 *
 * @see <a href="https://coreos.github.io/ignition/configuration-v3_2/">Ignition spec v3.2.0</a>
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record IgnitionConfig(Ignition ignition, Passwd passwd, Storage storage, Systemd systemd) {
  public static final String SPEC_VERSION = "3.2.0";

  public record Ignition(String version) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Passwd(List<User> users) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record User(
      String name, Integer uid, List<String> sshAuthorizedKeys, List<String> groups) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Storage(List<Directory> directories, List<File> files, List<Link> links) {}

  /** An owner, by name (resolved in the guest after the users exist). */
  public record Owner(String name) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Directory(String path, Integer mode, Owner user, Owner group, Boolean overwrite) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record File(
      String path, Integer mode, Owner user, Owner group, Boolean overwrite, Contents contents) {}

  /** File contents as a URL; Berth always inlines them as a {@code data:} URL. */
  public record Contents(String source) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Link(
      String path, String target, Owner user, Owner group, Boolean hard, Boolean overwrite) {}

  @JsonInclude(JsonInclude.Include.NON_EMPTY)
  public record Systemd(List<Unit> units) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Unit(String name, Boolean enabled, Boolean mask, String contents) {}
}
