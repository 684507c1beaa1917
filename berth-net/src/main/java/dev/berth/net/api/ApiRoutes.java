package dev.berth.net.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.net.config.DnsZone;
import dev.berth.net.config.Framing;
import dev.berth.net.config.NetworkConfig;
import dev.berth.net.forward.ForwardException;
import dev.berth.net.forward.GuestForwardPolicy;
import dev.berth.net.forward.HostPort;
import dev.berth.net.log.LogRate;
import dev.berth.net.log.Printable;
import dev.berth.net.network.NetworkStats;
import dev.berth.net.network.VirtualNetwork;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * gvproxy's routes, request formats, status codes and error texts (its {@code Mux} and {@code
 * ServicesMux}).
 */
public final class ApiRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(ApiRoutes.class);
  private static final ObjectMapper JSON = ApiJson.server();

  /** What a log line quotes of a caller's text at most: enough to see what was asked. */
  static final int MAX_LOGGED_CHARS = 200;

  /** Which routes a listener serves. */
  public enum Scope {
    /** Every route, {@code /connect} included: gvproxy's {@code -listen}. */
    HOST,
    /** Every route but {@code /connect}: gvproxy's {@code -services}. */
    SERVICES,
    /**
     * The forwarder only, for guests at the gateway's port 80; connections start with a PROXY line
     * that names the caller.
     */
    GUEST
  }

  /** The body of expose and unexpose; a missing protocol is tcp, as in gvproxy. */
  record ExposeRequest(String local, String remote, String protocol) {
    ExposeRequest {
      local = local == null ? "" : local;
      remote = remote == null ? "" : remote;
      protocol = protocol == null || protocol.isEmpty() ? "tcp" : protocol;
    }
  }

  private final VirtualNetwork net;
  private final Scope scope;
  private final GuestForwardPolicy guestPolicy;
  private final LogRate refusals = new LogRate();
  private final LogRate failures = new LogRate();

  /**
   * Routes of {@code scope}; {@code guestPolicy} bounds what a {@link Scope#GUEST} caller may ask.
   */
  ApiRoutes(VirtualNetwork net, Scope scope, GuestForwardPolicy guestPolicy) {
    if (scope == Scope.GUEST && guestPolicy == null) {
      throw new IllegalArgumentException("the guest scope needs a policy");
    }
    this.net = net;
    this.scope = scope;
    this.guestPolicy = guestPolicy;
  }

  Scope scope() {
    return scope;
  }

  boolean expectsProxyLine() {
    return scope == Scope.GUEST;
  }

  /**
   * Serves requests until the client is done; true when the socket was handed over to the network.
   */
  boolean serve(HttpConnection conn) throws IOException {
    while (true) {
      HttpRequest request;
      try {
        request = conn.read();
      } catch (HttpConnection.BadRequest e) {
        conn.write(HttpResponse.error(e.status, e.getMessage()), false);
        return false;
      }
      if (request == null) {
        return false;
      }
      String path = request.path();
      if (scope != Scope.GUEST && path.equals("/tunnel")) {
        return tunnel(conn, request);
      }
      if (scope == Scope.HOST && path.equals("/connect")) {
        conn.cancelDeadline();
        net.attach(conn.channel(), Framing.LENGTH16_LE, conn.leftover());
        LOG.info("guest attached over HTTP /connect");
        return true;
      }
      HttpResponse response;
      try {
        response = route(path, request);
      } catch (RuntimeException e) {
        failures.warn(
            LOG,
            "{} {} failed: {}",
            Printable.of(request.method(), MAX_LOGGED_CHARS),
            Printable.of(path, MAX_LOGGED_CHARS),
            Printable.of(e.toString(), MAX_LOGGED_CHARS));
        LOG.debug("{} failed", Printable.of(path, MAX_LOGGED_CHARS), e);
        response = HttpResponse.error(500, String.valueOf(e.getMessage()));
      }
      boolean keepAlive = request.keepAlive();
      conn.write(response, keepAlive);
      if (!keepAlive) {
        return false;
      }
    }
  }

  private HttpResponse route(String path, HttpRequest r) throws IOException {
    switch (path) {
      case "/services/forwarder/all":
        return json(net.forwards().all());
      case "/services/forwarder/expose":
        return expose(r);
      case "/services/forwarder/unexpose":
        return unexpose(r);
      default:
        break;
    }
    if (scope == Scope.GUEST) {
      return notFound();
    }
    return switch (path) {
      case "/services/dns/all" -> json(net.dnsZones());
      case "/services/dns/add" -> addDnsZone(r);
      case "/services/dhcp/leases", "/leases" -> leases();
      case "/stats" -> stats();
      default -> notFound();
    };
  }

  private static HttpResponse notFound() {
    return HttpResponse.error(404, "404 page not found");
  }

  /** A request answered with an error before it reached a service. */
  private static final class Rejected extends Exception {
    private static final long serialVersionUID = 1L;
    final transient HttpResponse response;

    Rejected(HttpResponse response) {
      super(null, null, false, false);
      this.response = response;
    }
  }

  /** The JSON body of a POST, as gvproxy decodes it: 400 for another method or bad JSON. */
  private static <T> T postBody(HttpRequest r, Class<T> type) throws Rejected {
    if (!r.method().equals("POST")) {
      throw new Rejected(HttpResponse.error(400, "post only"));
    }
    try {
      return decode(r.body(), type);
    } catch (IOException e) {
      throw new Rejected(HttpResponse.error(400, e.getMessage()));
    }
  }

  private HttpResponse expose(HttpRequest r) {
    try {
      ExposeRequest req = postBody(r, ExposeRequest.class);
      String remote = req.remote();
      if (!req.protocol().equals("unix") && !req.protocol().equals("npipe")) {
        try {
          remote = withCallerIp(remote, r.caller());
        } catch (ForwardException e) {
          return HttpResponse.error(400, e.getMessage());
        }
      }
      if (scope == Scope.GUEST) {
        net.forwards()
            .exposeForGuest(guestPolicy, req.protocol(), req.local(), remote, callerIp(r));
      } else {
        net.forwards().expose(req.protocol(), req.local(), remote);
      }
      return HttpResponse.ok();
    } catch (Rejected e) {
      return e.response;
    } catch (ForwardException e) {
      return forwardError(e);
    }
  }

  /**
   * A refusal is the caller's fault (403, and the guest's log shows why); anything else is 500 as
   * in gvproxy.
   */
  private HttpResponse forwardError(ForwardException e) {
    if (e instanceof ForwardException.Refused) {
      refusals.warn(
          LOG, "refused a {} request: {}", scope, Printable.of(e.getMessage(), MAX_LOGGED_CHARS));
      return HttpResponse.error(403, e.getMessage());
    }
    return HttpResponse.error(500, e.getMessage());
  }

  /** The guest's address from its PROXY line. */
  private static InetAddress callerIp(HttpRequest r) throws ForwardException {
    try {
      return NetworkConfig.ipv4(HostPort.parse(r.caller()).host());
    } catch (IllegalArgumentException e) {
      throw new ForwardException("caller " + r.caller() + " has no IPv4 address", e);
    }
  }

  /** gvproxy's {@code remote()}: a remote without an IP takes the caller's. */
  static String withCallerIp(String remote, String caller) throws ForwardException {
    HostPort target = HostPort.parse(remote);
    if (!target.host().isEmpty()) {
      return remote;
    }
    return HostPort.parse(caller).host() + remote;
  }

  private HttpResponse unexpose(HttpRequest r) {
    try {
      ExposeRequest req = postBody(r, ExposeRequest.class);
      if (scope == Scope.GUEST) {
        net.forwards().unexposeForGuest(req.protocol(), req.local());
      } else {
        net.forwards().unexpose(req.protocol(), req.local());
      }
      return HttpResponse.ok();
    } catch (Rejected e) {
      return e.response;
    } catch (ForwardException e) {
      return forwardError(e);
    }
  }

  private HttpResponse addDnsZone(HttpRequest r) throws IOException {
    try {
      net.addDnsZone(postBody(r, DnsZone.class));
      return HttpResponse.ok();
    } catch (Rejected e) {
      return e.response;
    }
  }

  private HttpResponse leases() throws IOException {
    Map<String, String> byIp = new LinkedHashMap<>();
    net.leases().forEach((mac, ip) -> byIp.put(ip.getHostAddress(), mac.toString()));
    return json(byIp);
  }

  private HttpResponse stats() throws IOException {
    NetworkStats s = net.stats();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("BytesSent", s.bytesToGuest());
    body.put("BytesReceived", s.bytesFromGuest());
    body.put("Links", s.links());
    body.put("TcpFlows", s.tcpFlows());
    body.put("UdpFlows", s.udpFlows());
    body.put("FramesSent", s.framesToGuest());
    body.put("FramesReceived", s.framesFromGuest());
    body.put("FramesDroppedSize", s.framesDroppedSize());
    body.put("FramesDroppedInvalid", s.framesDroppedInvalid());
    body.put("FramesDroppedOutput", s.framesDroppedOutput());
    body.put("KnownMacs", s.knownMacs());
    return json(body);
  }

  /**
   * gvproxy's {@code /tunnel?ip=A&port=P}: {@code OK}, then the socket carries a connection to A:P.
   */
  private boolean tunnel(HttpConnection conn, HttpRequest r) throws IOException {
    String ip = r.query("ip");
    if (ip.isEmpty()) {
      conn.write(HttpResponse.error(500, "ip is mandatory"), r.keepAlive());
      return false;
    }
    String portText = r.query("port");
    int port;
    try {
      port = Integer.parseInt(portText);
      if (port < 0 || port > 65535 || !portText.chars().allMatch(Character::isDigit)) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException e) {
      conn.write(
          HttpResponse.error(
              500, "strconv.ParseUint: parsing \"" + portText + "\": invalid syntax"),
          r.keepAlive());
      return false;
    }
    conn.writeRaw(ByteBuffer.wrap("OK".getBytes(StandardCharsets.US_ASCII)));
    try {
      conn.cancelDeadline();
      net.connectToGuest(conn.channel(), NetworkConfig.ipv4(ip), port, conn.leftover());
      return true;
    } catch (IOException | IllegalArgumentException e) {
      LOG.info("tunnel to {}:{}: {}", ip, port, e.getMessage());
      return false;
    }
  }

  private static <T> T decode(byte[] body, Class<T> type) throws IOException {
    if (body.length == 0) {
      throw new IOException("EOF");
    }
    try {
      return JSON.readValue(body, type);
    } catch (JsonProcessingException e) {
      throw new IOException(e.getOriginalMessage(), e);
    }
  }

  private static HttpResponse json(Object value) throws JsonProcessingException {
    return HttpResponse.text(JSON.writeValueAsString(value) + "\n");
  }
}
