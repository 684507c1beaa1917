package dev.berth.net.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * The one place berth-net gets a Jackson mapper from (an ArchUnit rule keeps it so; berth-net
 * stands alone, so it cannot share berth-core's). Each mapper is shared and thread-safe: do not
 * reconfigure one.
 */
final class ApiJson {
  private static final ObjectMapper SERVER =
      JsonMapper.builder()
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private static final ObjectMapper CLIENT = new ObjectMapper();

  private ApiJson() {}

  /**
   * Reads requests as gvproxy's Go decoder does: field names in any case, unknown fields ignored.
   */
  static ObjectMapper server() {
    return SERVER;
  }

  /** Jackson's defaults, for the client's requests and the answers it reads. */
  static ObjectMapper client() {
    return CLIENT;
  }
}
