package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.topic.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A service with its metrics endpoint on, end to end on a real broker: after an experiment runs,
 * one scrape holds its runs' learning curves tagged by arm, role and device, the ended experiment
 * and the device slots; the service reports itself live and ready.
 */
class MetricsEndpointTest {
  @TempDir Path state;

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }

  @Test
  void aScrapeShowsTheRunsCurvesAndTheServicesState() throws Exception {
    try (ServiceFixture service = ServiceFixture.start(state, ServiceSettings.defaults().withMetrics("127.0.0.1", 0))) {
      int port = service.node().metricsPort();
      new KafkaTestClient(service.bootstrapServers()).submit("metered", """
          name: metered
          seeds: [1]
          data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
          tasks:
            t: {classes: [0, 1, 2]}
          defaults: {task: t, epochs: 2, batchSize: 16}
          arms:
            - {name: teacher, model: {type: mlp, widths: [8]}}
            - {name: student, model: {type: mlp, widths: [4]}, distill: {teacher: {arm: teacher}}}
          """);
      new KafkaTestClient(service.bootstrapServers()).follow(Topics.STATUS, "metered", List.of("finished", "failed", "cancelled"), null);
      String scrape = get(port, "/metrics");
      assertThat(scrape).startsWith("200 ")
          .containsPattern("mentor_training_loss\\{arm=\"student\",device=\"cpu\",experiment=\"metered\",role=\"student\",seed=\"1\",split=\"validation\"} [0-9.]+")
          .containsPattern("mentor_training_loss_term\\{[^}]*arm=\"student\"[^}]*term=\"kd\"} [0-9.]+")
          .containsPattern("mentor_training_epochs\\{[^}]*arm=\"teacher\"[^}]*role=\"teacher\"[^}]*state=\"done\"} 2.0")
          .containsPattern("mentor_experiments_ended_total\\{state=\"finished\"} 1.0")
          .containsPattern("mentor_devices_slots\\{state=\"(used|free)\"} [0-9.]+")
          .contains("jvm_memory_used_bytes");
      assertThat(get(port, "/health/live")).startsWith("200");
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!get(port, "/health/ready").startsWith("200") && System.nanoTime() < deadline) {
        Thread.sleep(200);
      }
      assertThat(get(port, "/health/ready")).startsWith("200");
    }
  }
}
