package dev.mentor.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.record.EpochMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The endpoint over real HTTP: a Prometheus scrape with every meter described, liveness, and readiness that follows its check. */
class MetricsServerTest {
  private static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesAPrometheusScrapeAndHealth() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    TrainingMeters training = new TrainingMeters(Duration.ofMinutes(10));
    training.bindTo(registry);
    RuntimeMeters runtime = new RuntimeMeters();
    runtime.bindTo(registry);
    TrainingMeters.RunKey run = new TrainingMeters.RunKey("exp", "teacher", 1);
    training.runScheduled(run, "teacher", "cpu", Double.NaN);
    training.epoch(run, new EpochMetrics(1, "train", 0.5, 0.9, 0.6, 0.85, 0.001, 2000.0, 1.5, Map.of()));
    runtime.queued("exp");
    runtime.started("exp");
    runtime.devices(2, 1, 3);
    TensorBusMeters bus = new TensorBusMeters();
    bus.bindTo(registry);
    bus.lag(2);
    bus.cacheLookups(10, 9);
    new ProcessMemoryMeters().bindTo(registry);
    AtomicBoolean ready = new AtomicBoolean(false);
    try (MetricsServer server = MetricsServer.start("127.0.0.1", 0, registry, ready::get)) {
      HttpResponse<String> scrape = get(server.port(), "/metrics");
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.body())
          .contains("# HELP mentor_training_loss ")
          .containsPattern("mentor_training_loss\\{[^}]*arm=\"teacher\"[^}]*split=\"train\"[^}]*} 0.5")
          .containsPattern("mentor_training_throughput_samples_per_second\\{[^}]*} 2000.0")
          .containsPattern("mentor_experiments_active\\{state=\"running\"} 1.0")
          .containsPattern("mentor_devices_slots\\{state=\"free\"} 1.0")
          .containsPattern("mentor_queue_length 3.0")
          .containsPattern("mentor_tensor_lag_batches_max 2.0")
          .containsPattern("mentor_teacher_cache_lookups_total\\{result=\"hit\"} 9.0")
          .containsPattern("mentor_process_memory_bytes\\{kind=\"resident\"} [0-9.E]+")
          .contains("mentor_engine_native_memory_bytes ");
      for (String line : scrape.body().split("\n")) {
        if (line.startsWith("# HELP")) {
          assertThat(line.split(" ", 4)).as(line).hasSize(4);
        }
      }
      assertThat(server.awaitNextScrape(Duration.ofMillis(200))).as("nobody scrapes").isFalse();
      Thread scraper = new Thread(() -> {
        try {
          Thread.sleep(300);
          get(server.port(), "/metrics");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      scraper.start();
      assertThat(server.awaitNextScrape(Duration.ofSeconds(30))).as("the scrape after the call").isTrue();
      scraper.join();
      assertThat(get(server.port(), "/health/live").statusCode()).isEqualTo(200);
      assertThat(get(server.port(), "/health/ready").statusCode()).isEqualTo(503);
      ready.set(true);
      assertThat(get(server.port(), "/health/ready").statusCode()).isEqualTo(200);
    }
  }
}
