package dev.berth.cli;

import java.io.IOException;
import java.util.Locale;

/** A yes/no question on standard input; anything but yes is no. */
final class Confirm {
  private Confirm() {}

  static boolean ask(BaseCommand command, String question) throws IOException {
    command.out().print(question);
    command.out().flush();
    String answer = command.context().in().readLine();
    return answer != null && answer.strip().toLowerCase(Locale.ROOT).startsWith("y");
  }
}
