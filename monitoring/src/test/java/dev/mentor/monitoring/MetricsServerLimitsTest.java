package dev.mentor.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The endpoint against clients that misbehave, over real sockets: liveness answers within a second
 * while clients stall or send too much, the server drops stalled clients after its idle timeout,
 * and start/close leaves no thread behind.
 */
class MetricsServerLimitsTest {
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(1);

  /** Slack on top of the idle timeout for the server's timer and a loaded machine. */
  private static final Duration CLOSE_SLACK = Duration.ofSeconds(4);

  private final List<Socket> clients = new ArrayList<>();

  private MetricsServer server;

  private record Reply(int status, Map<String, String> headers, String body) {}

  @BeforeEach
  void start() throws IOException {
    server = MetricsServer.start("127.0.0.1", 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true);
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket client : clients) {
      client.close();
    }
    server.close();
  }

  /** One request on a fresh connection; the reply must come within {@link #ANSWER_WITHIN}. */
  private static Reply get(int port, String path) throws IOException {
    long started = System.nanoTime();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) ANSWER_WITHIN.toMillis());
      socket.setSoTimeout((int) ANSWER_WITHIN.toMillis());
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      Reply reply = parse(readAll(socket.getInputStream()));
      assertThat(Duration.ofNanos(System.nanoTime() - started)).as("time to answer " + path).isLessThan(ANSWER_WITHIN);
      return reply;
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    in.transferTo(bytes);
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private static Reply parse(String response) {
    int headEnd = response.indexOf("\r\n\r\n");
    assertThat(headEnd).as("end of the response head in %s", response).isPositive();
    String[] lines = response.substring(0, headEnd).split("\r\n");
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String[] field = lines[i].split(":", 2);
      headers.put(field[0].trim().toLowerCase(Locale.ROOT), field[1].trim());
    }
    return new Reply(Integer.parseInt(lines[0].split(" ")[1]), headers, response.substring(headEnd + 4));
  }

  /** A client that sent the start of a request line and nothing more. */
  private Socket stalledClient() throws IOException {
    Socket socket = new Socket("127.0.0.1", server.port());
    clients.add(socket);
    socket.getOutputStream().write("GET /health/li".getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  /** Asks for liveness again and again for {@code duration}; each answer must be 200 "live" within a second. */
  private void liveAnswersThroughout(Duration duration) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    int answers = 0;
    while (System.nanoTime() < end) {
      Reply live = get(server.port(), "/health/live");
      assertThat(live.status()).isEqualTo(200);
      assertThat(live.body()).isEqualTo("live\n");
      answers++;
      Thread.sleep(200);
    }
    assertThat(answers).isGreaterThan(1);
  }

  /** Whether the server closed {@code socket} (end of stream or reset) within {@code within}; bytes it sent first (a 408) are skipped. */
  private static boolean closedByServer(Socket socket, Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    try {
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[1024];
      while (in.read(buffer) >= 0) {
        // the server may answer 408 before it closes
      }
      return true;
    } catch (SocketTimeoutException stillOpen) {
      return false;
    } catch (SocketException reset) {
      return true;
    }
  }

  @Test
  void live_whileAClientStallsMidRequest_answersWithinASecond_andTheStalledClientIsDroppedAfterTheIdleTimeout() throws Exception {
    long stalledAt = System.nanoTime();
    Socket stalled = stalledClient();

    liveAnswersThroughout(MetricsServer.IDLE_TIMEOUT);

    Duration left = MetricsServer.IDLE_TIMEOUT.plus(CLOSE_SLACK).minusNanos(System.nanoTime() - stalledAt);
    assertThat(closedByServer(stalled, left)).as("stalled connection closed by the server").isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - stalledAt)).isGreaterThanOrEqualTo(MetricsServer.IDLE_TIMEOUT.minusMillis(500));
  }

  @Test
  void live_whileTwentyClientsStall_answersWithinASecond_andAllAreDropped() throws Exception {
    long stalledAt = System.nanoTime();
    List<Socket> stalled = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      stalled.add(stalledClient());
    }

    liveAnswersThroughout(MetricsServer.IDLE_TIMEOUT.minusSeconds(1));
    assertThat(get(server.port(), "/health/ready").status()).isEqualTo(200);

    for (Socket socket : stalled) {
      Duration left = MetricsServer.IDLE_TIMEOUT.plus(CLOSE_SLACK).minusNanos(System.nanoTime() - stalledAt);
      assertThat(closedByServer(socket, left.isNegative() ? Duration.ofMillis(1) : left)).isTrue();
    }
  }

  /** Sends {@code request}, which may be cut short by the server closing; returns the status it answered, or -1 for a closed connection. */
  private int sendOversized(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout((int) (MetricsServer.IDLE_TIMEOUT.plus(CLOSE_SLACK)).toMillis());
      try {
        socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      } catch (SocketException closedWhileWriting) {
        // the server gave up on the request before it was all sent
      }
      try {
        String response = readAll(socket.getInputStream());
        return response.isEmpty() ? -1 : parse(response).status();
      } catch (SocketException reset) {
        return -1;
      }
    }
  }

  @Test
  void oversizedHeader_isRefused_andLiveStillAnswers() throws Exception {
    String header = "X-Padding: " + "a".repeat(64 * 1024);
    int status = sendOversized("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n" + header + "\r\n\r\n");

    assertThat(status).as("status, -1 for a closed connection").isIn(-1, 400, 413, 431);
    assertThat(get(server.port(), "/health/live").status()).isEqualTo(200);
  }

  @Test
  void oversizedRequestLine_isRefused_andLiveStillAnswers() throws Exception {
    int status = sendOversized("GET /health/live?" + "a".repeat(64 * 1024) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    assertThat(status).as("status, -1 for a closed connection").isIn(-1, 400, 413, 414, 431);
    assertThat(get(server.port(), "/health/live").status()).isEqualTo(200);
  }

  @Test
  void headJustUnderTheLimit_isServed() throws Exception {
    Reply live = get(server.port(), "/health/live?" + "a".repeat(MetricsServer.MAX_REQUEST_HEAD_BYTES - 200));

    assertThat(live.status()).isEqualTo(200);
  }

  @Test
  void requestWithABody_isAnswered413_andTheConnectionClosed() throws Exception {
    int status = sendOversized("POST /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n" + "a".repeat(1024));

    assertThat(status).isEqualTo(413);
    assertThat(get(server.port(), "/health/live").status()).isEqualTo(200);
  }

  @Test
  void responses_keepTheirFormats() throws Exception {
    Reply metrics = get(server.port(), "/metrics");
    Reply live = get(server.port(), "/health/live");
    Reply ready = get(server.port(), "/health/ready");

    assertThat(metrics.status()).isEqualTo(200);
    assertThat(metrics.headers()).containsEntry("content-type", "text/plain; version=0.0.4; charset=utf-8");
    assertThat(live.headers()).containsEntry("content-type", "text/plain");
    assertThat(live.body()).isEqualTo("live\n");
    assertThat(ready.status()).isEqualTo(200);
    assertThat(ready.body()).isEqualTo("ready\n");
    assertThat(get(server.port(), "/health").status()).isEqualTo(404);
    assertThat(get(server.port(), "/metrics/x").status()).isEqualTo(404);
    assertThat(server.scrapes()).isEqualTo(1);
  }

  @Test
  void startAndClose_twentyTimes_leavesNoThreadBehind() throws Exception {
    server.close();
    int baseline = ManagementFactory.getThreadMXBean().getThreadCount();

    for (int i = 0; i < 20; i++) {
      try (MetricsServer cycled = MetricsServer.start("127.0.0.1", 0, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> true)) {
        assertThat(get(cycled.port(), "/metrics").status()).isEqualTo(200);
        assertThat(get(cycled.port(), "/health/live").status()).isEqualTo(200);
      }
    }

    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (serverThreads() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(serverThreads()).as("threads of the endpoint alive after close").isZero();
    assertThat(ManagementFactory.getThreadMXBean().getThreadCount()).isLessThanOrEqualTo(baseline + 2);
  }

  private static long serverThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("mentor-metrics-http"))
        .count();
  }
}
