package dev.berth.agent.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The QEMU process of a running machine, as its agent sees it. */
public interface QemuProcess {
  boolean isAlive();

  /** Its exit status; only once it has exited. */
  int exitValue();

  /** Completes when it has exited. */
  CompletableFuture<?> onExit();

  void kill();

  /** Starts QEMU. */
  interface Launcher {
    /** Runs {@code argv} with no input, its output and errors written to {@code log}. */
    QemuProcess start(List<String> argv, Path log) throws IOException;
  }

  /** Runs QEMU as a child process of the agent. */
  static Launcher processes() {
    return (argv, log) -> {
      Process process =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .redirectOutput(log.toFile())
              .redirectErrorStream(true)
              .start();
      return new QemuProcess() {
        @Override
        public boolean isAlive() {
          return process.isAlive();
        }

        @Override
        public int exitValue() {
          return process.exitValue();
        }

        @Override
        public CompletableFuture<?> onExit() {
          return process.onExit();
        }

        @Override
        public void kill() {
          process.destroyForcibly();
        }
      };
    };
  }
}
