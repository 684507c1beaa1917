package dev.berth.agent.server;

import java.util.function.Consumer;

/** One thing a machine must do before it is ready, waited for under the start's deadline. */
interface ReadinessCheck {
  /** What is checked, for the agent's log: "QMP answers". */
  String name();

  /** Returns once the check holds; throws the start's failure when it cannot. */
  void await(Deadline deadline);

  static ReadinessCheck of(String name, Consumer<Deadline> await) {
    return new ReadinessCheck() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public void await(Deadline deadline) {
        await.accept(deadline);
      }
    };
  }
}
