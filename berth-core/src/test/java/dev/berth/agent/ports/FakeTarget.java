package dev.berth.agent.ports;

import dev.berth.net.forward.PortForwards;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Records what the automatic forwards ask of the network; answers as told per port. */
final class FakeTarget implements AutoForwards.Target {
  final List<String> calls = new ArrayList<>();
  final Map<Integer, PortForwards.AutoOutcome> outcomes = new HashMap<>();

  @Override
  public synchronized PortForwards.AutoOutcome add(String protocol, int port) {
    calls.add("add " + protocol + " " + port);
    return outcomes.getOrDefault(port, PortForwards.AutoOutcome.FORWARDED);
  }

  @Override
  public synchronized void remove(String protocol, int port) {
    calls.add("remove " + protocol + " " + port);
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }
}
