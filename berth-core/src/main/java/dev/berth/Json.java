package dev.berth;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The one place berth-core and the CLI get a Jackson mapper from (an ArchUnit rule keeps it so):
 * each mapper is shared and thread-safe; do not reconfigure one, derive a reader or writer instead.
 */
public final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private static final ObjectMapper PLAIN = new ObjectMapper();

  private static final ObjectMapper YAML =
      new ObjectMapper(
          new YAMLFactory()
              .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

  private Json() {}

  /** Writes without indentation, as podman writes Ignition files. */
  public static ObjectWriter compact() {
    return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);
  }

  /** For Berth's own files: ISO-8601 times, indented output. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Jackson's defaults, for formats that others define and that Berth writes or reads line by line
   * (QMP, the guest agent, the agent socket, podman's and docker's files, stream metadata): compact
   * output, unknown fields refused.
   */
  public static ObjectMapper plain() {
    return PLAIN;
  }

  /** YAML as podman writes it: no document start marker, quotes only where needed. */
  public static ObjectMapper yaml() {
    return YAML;
  }
}
