package dev.berth.agent.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.qemu.QmpClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** QEMU's monitor (QMP) as the agent uses it: to power the machine off, save and resume it. */
public interface GuestMonitor extends AutoCloseable {
  /** Presses the ACPI power button. */
  void powerDown() throws IOException;

  /** Ends QEMU at once. */
  void quit() throws IOException;

  /** Lets a paused VM (a restored state) run. */
  void cont() throws IOException;

  /** The QMP connection itself, for saving and loading states; null in tests without one. */
  QmpClient client();

  @Override
  void close();

  /** Connects to QEMU's monitor socket; QEMU's events go to {@code events} by name. */
  interface Connector {
    GuestMonitor connect(Path socket, Consumer<String> events) throws IOException;
  }

  /** QMP over QEMU's unix socket; power events go to the agent's log. */
  static Connector qmp() {
    Logger log = LoggerFactory.getLogger(GuestMonitor.class);
    Duration commandTimeout = Duration.ofSeconds(5);
    return (socket, events) -> {
      QmpClient qmp =
          QmpClient.connect(
              socket,
              (JsonNode event) -> {
                String type = event.path("event").asText();
                if (type.equals("SHUTDOWN") || type.equals("POWERDOWN") || type.equals("RESET")) {
                  log.info("QEMU event {}", event);
                }
                events.accept(type);
              },
              Duration.ofSeconds(10));
      return new GuestMonitor() {
        @Override
        public void powerDown() throws IOException {
          qmp.execute("system_powerdown", commandTimeout);
        }

        @Override
        public void quit() throws IOException {
          qmp.execute("quit", commandTimeout);
        }

        @Override
        public void cont() throws IOException {
          qmp.execute("cont", commandTimeout);
        }

        @Override
        public QmpClient client() {
          return qmp;
        }

        @Override
        public void close() {
          try {
            qmp.close();
          } catch (IOException e) {
            log.debug("closing QMP: {}", e.toString());
          }
        }
      };
    };
  }
}
