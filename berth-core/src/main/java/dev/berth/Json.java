package dev.berth;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/** The JSON mapper for Berth's own files: ISO-8601 times, indented output. */
public final class Json {
  private static final ObjectMapper MAPPER =
      new ObjectMapper()
          .registerModule(new JavaTimeModule())
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private Json() {}

  /** Writes without indentation, as podman writes Ignition files. */
  public static ObjectWriter compact() {
    return MAPPER.writer().without(SerializationFeature.INDENT_OUTPUT);
  }

  /** A shared, thread-safe mapper; do not reconfigure it. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }
}
