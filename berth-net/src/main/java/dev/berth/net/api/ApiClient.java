package dev.berth.net.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.net.forward.Forward;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A client of the API on a unix socket, as gvproxy's {@code pkg/client}: list, expose and unexpose
 * forwards.
 */
public final class ApiClient {

  private static final ObjectMapper JSON = ApiJson.client();

  /** A response other than 200; the message is the server's error text. */
  public static final class ApiException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int status;

    ApiException(int status, String message) {
      super(message);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  private final Path socket;

  public ApiClient(Path socket) {
    this.socket = socket;
  }

  public List<Forward> forwards() throws IOException {
    return Arrays.asList(
        JSON.readValue(call("GET", "/services/forwarder/all", null), Forward[].class));
  }

  public void expose(Forward forward) throws IOException {
    call("POST", "/services/forwarder/expose", JSON.writeValueAsBytes(forward));
  }

  public void unexpose(String protocol, String local) throws IOException {
    call(
        "POST",
        "/services/forwarder/unexpose",
        JSON.writeValueAsBytes(new Forward(local, null, protocol)));
  }

  private byte[] call(String method, String path, byte[] body) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(socket));
      String head =
          method
              + " "
              + path
              + " HTTP/1.1\r\nHost: berth\r\nConnection: close\r\n"
              + (body == null
                  ? ""
                  : "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n")
              + "\r\n";
      ByteBuffer[] request = {
        ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)),
        ByteBuffer.wrap(body == null ? new byte[0] : body)
      };
      while (request[0].hasRemaining() || request[1].hasRemaining()) {
        ch.write(request);
      }
      ByteArrayOutputStream response = new ByteArrayOutputStream();
      ByteBuffer buf = ByteBuffer.allocate(8192);
      while (ch.read(buf.clear()) > 0) {
        response.write(buf.array(), 0, buf.position());
      }
      return parse(response.toByteArray());
    }
  }

  private static byte[] parse(byte[] response) throws IOException {
    String text = new String(response, StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    if (!text.startsWith("HTTP/1.1 ") || headEnd < 0) {
      throw new IOException("not an HTTP response from the network's API");
    }
    int status = Integer.parseInt(text.substring(9, 12));
    byte[] body = Arrays.copyOfRange(response, headEnd + 4, response.length);
    if (status != 200) {
      throw new ApiException(status, new String(body, StandardCharsets.UTF_8).strip());
    }
    return body;
  }
}
