package dev.berth.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.net.ssh.SshSocketForward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BerthNetMainTest {

    @TempDir
    Path dir;

    @Test
    void theNthOfEachForwardFlagMakeOneForward() throws Exception {
        Path a = Files.createFile(dir.resolve("id_a"));
        Path b = Files.createFile(dir.resolve("id_b"));
        List<SshSocketForward.Spec> specs = BerthNetMain.sshForwards(
                List.of("/run/a.sock", "unix:///run/b.sock"), List.of("/run/podman/podman.sock", "/run/user/1000/podman/podman.sock"),
                List.of("root", "core"), List.of(a.toString(), b.toString()));
        assertThat(specs).containsExactly(
                new SshSocketForward.Spec(Path.of("/run/a.sock"), "/run/podman/podman.sock", "root", a),
                new SshSocketForward.Spec(Path.of("/run/b.sock"), "/run/user/1000/podman/podman.sock", "core", b));
        assertThat(BerthNetMain.sshForwards(List.of(), List.of(), List.of(), List.of())).isEmpty();
    }

    @Test
    void forwardFlagsMustComeTogether() throws Exception {
        Path a = Files.createFile(dir.resolve("id_a"));
        assertThatThrownBy(() -> BerthNetMain.sshForwards(
                List.of("/run/a.sock"), List.of("/run/podman/podman.sock"), List.of(), List.of(a.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the same number of times");
    }

    @Test
    void aMissingIdentityFileIsNamed() {
        Path missing = dir.resolve("no-such-key");
        assertThatThrownBy(() -> BerthNetMain.sshForwards(
                List.of("/run/a.sock"), List.of("/run/podman/podman.sock"), List.of("root"), List.of(missing.toString())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("does not exist");
    }
}
