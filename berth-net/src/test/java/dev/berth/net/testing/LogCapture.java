package dev.berth.net.testing;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** What the code under test logs (slf4j-simple writes to {@code System.err}) while a block runs. */
public final class LogCapture {

  @FunctionalInterface
  public interface Block {
    void run() throws Exception;
  }

  private LogCapture() {}

  /** The lines logged while {@code block} ran. */
  public static List<String> linesDuring(Block block) throws Exception {
    PrintStream original = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      block.run();
    } finally {
      System.setErr(original);
    }
    return captured.toString(StandardCharsets.UTF_8).lines().toList();
  }
}
