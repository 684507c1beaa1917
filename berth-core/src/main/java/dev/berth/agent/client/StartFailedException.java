package dev.berth.agent.client;

import dev.berth.BerthException;
import java.util.List;

/** A start that failed, with the last lines the guest printed on its console. */
public final class StartFailedException extends BerthException {
  private static final long serialVersionUID = 1L;

  private final List<String> consoleTail;

  public StartFailedException(String message, String hint, List<String> consoleTail) {
    super(message, hint);
    this.consoleTail = List.copyOf(consoleTail);
  }

  public List<String> consoleTail() {
    return consoleTail;
  }
}
