package dev.mentor.actors.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A real Prometheus server on loopback scraping one target every second, with its HTTP query API. */
final class PrometheusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private PrometheusServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts Prometheus in {@code dir} (config, data, log) scraping {@code target} (host:port) as job "mentor". */
  static PrometheusServer start(Path binary, Path dir, String target) throws Exception {
    int port = freePort();
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, """
        global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
        scrape_configs:
          - job_name: mentor
            static_configs: [{targets: ['%s']}]
        """.formatted(target));
    Process process = new ProcessBuilder(binary.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port).redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    PrometheusServer server = new PrometheusServer(process, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!server.ready()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        server.close();
        throw new IllegalStateException("Prometheus did not start: " + Files.readString(dir.resolve("prometheus.log")));
      }
      Thread.sleep(200);
    }
    return server;
  }

  static int freePort() throws IOException {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private boolean ready() {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).timeout(Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The series of an instant query now. */
  List<JsonNode> query(String promql) throws Exception {
    return result(api("query", "query=" + encode(promql)));
  }

  /** The series of a range query from {@code startSeconds} to {@code endSeconds}, a point a second, as a Grafana panel asks. */
  List<JsonNode> queryRange(String promql, long startSeconds, long endSeconds) throws Exception {
    return result(api("query_range", "query=" + encode(promql) + "&start=" + startSeconds + "&end=" + endSeconds + "&step=1"));
  }

  private JsonNode api(String endpoint, String parameters) throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/" + endpoint + "?" + parameters))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(response.body());
    if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
      throw new IllegalArgumentException("Prometheus refused " + parameters + ": " + response.body());
    }
    return body;
  }

  private static List<JsonNode> result(JsonNode body) {
    List<JsonNode> series = new java.util.ArrayList<>();
    body.path("data").path("result").forEach(series::add);
    return series;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
