package dev.mentor.actors.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.MentorProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus scrapes a real {@code mentor run} (child JVM, embedded broker, teacher streams
 * on) every second: the learning curves are in Prometheus while the experiment trains, a scrape
 * passes {@code promtool check metrics}, and every PromQL expression of the provisioned Grafana
 * dashboards returns data over the run, as a panel would ask for it. The experiment has what the
 * panels show: a teacher, a student on cached teacher outputs, a student on a streamed teacher
 * (augmented inputs), an attention-transfer student (feature frames), a deep ensemble.
 */
class PrometheusEndToEndTest {
  private static final String EXPERIMENT = "monitored";
  private static final String SPEC = """
      name: monitored
      seeds: [7]
      data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 300}
      tasks:
        t: {classes: [0, 1, 2]}
      defaults: {task: t, epochs: 4, batchSize: 32, optimizer: {lr: 0.01}}
      arms:
        - {name: teacher, model: {type: cnn, channels: [4, 8], hidden: 16}, epochs: 10}
        - {name: cached, model: {type: mlp, widths: [8]}, distill: {teacher: {arm: teacher}, temperature: 4, alpha: 0.9}}
        - {name: streamed, model: {type: mlp, widths: [8]}, augmentation: {cropPadding: 1, flip: true},
           distill: {teacher: {arm: teacher}, temperature: 2, alpha: 0.7}}
        - name: attention
          model: {type: cnn, channels: [4, 8], hidden: 16}
          distill:
            teacher: {arm: teacher}
            features:
              - {method: attention, pairs: [{student: stage1, teacher: stage1}], weight: 10}
        - {name: deep, model: {type: mlp, widths: [8]}, ensemble: {members: 2}}
      """;

  @TempDir Path dir;

  @Test
  void aRunsCurvesReachPrometheusWhileItTrainsAndEveryDashboardQueryReturnsData() throws Exception {
    Path prometheusBinary = ExternalTools.require("prometheus");
    Path promtool = ExternalTools.require("promtool");
    List<Dashboards.Query> queries = Dashboards.queries();
    Path spec = dir.resolve("monitored.yaml");
    Files.writeString(spec, SPEC);
    int metricsPort = PrometheusServer.freePort();
    Files.createDirectories(dir.resolve("prometheus"));
    try (PrometheusServer prometheus = PrometheusServer.start(prometheusBinary, dir.resolve("prometheus"), "127.0.0.1:" + metricsPort)) {
      long start = System.currentTimeMillis() / 1000 - 1;
      Path log = dir.resolve("run.log");
      Process run = MentorProcess.start(log, "run", spec.toString(), "--output", dir.resolve("runs").toString(), "--metrics-port",
          Integer.toString(metricsPort), "--stream-teachers", "--cpu-slots", "2");
      String scrape = null;
      double epochsSeenWhileTraining = 0;
      try {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (run.isAlive() && System.nanoTime() < deadline) {
          // Read the log first: a point seen in Prometheus before "finished" is in the log was scraped while it trained.
          boolean finished = Files.readString(log).contains("\nfinished: ");
          if (!finished) {
            for (JsonNode series : prometheus.query("mentor_training_epochs{experiment=\"" + EXPERIMENT + "\", state=\"done\"}")) {
              epochsSeenWhileTraining = Math.max(epochsSeenWhileTraining, series.path("value").path(1).asDouble());
            }
            try {
              scrape = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString()).body();
            } catch (java.io.IOException notYetServing) {
              // the endpoint starts with the node
            }
          }
          run.waitFor(500, TimeUnit.MILLISECONDS);
        }
      } finally {
        if (run.isAlive() || !run.waitFor(3, TimeUnit.MINUTES)) {
          run.destroyForcibly();
        }
      }
      String output = Files.readString(log);
      assertThat(run.exitValue()).as(output).isZero();
      assertThat(epochsSeenWhileTraining).as("a learning-curve point in Prometheus before the experiment finished").isGreaterThanOrEqualTo(1);

      assertThat(scrape).as("a scrape taken while it trained").contains("mentor_training_loss{");
      ExternalTools.Result lint = ExternalTools.run(List.of(promtool.toString(), "check", "metrics"), dir, scrape);
      assertThat(lint.status()).as("promtool check metrics: %s", lint.output()).isZero();

      long end = System.currentTimeMillis() / 1000 + 1;
      List<String> empty = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      for (Dashboards.Query query : queries) {
        if (query.expr().contains("mentor_gpu_") && !ExternalTools.present("nvidia-smi")) {
          skipped.add(query.expr());
          continue;
        }
        List<JsonNode> series = prometheus.queryRange(query.bind(EXPERIMENT), start, end);
        boolean hasValue = series.stream().anyMatch(s -> {
          for (JsonNode point : s.path("values")) {
            if (!point.path(1).asText().equals("NaN")) {
              return true;
            }
          }
          return false;
        });
        if (!hasValue) {
          empty.add(query.dashboard() + " / " + query.panel() + ": " + query.bind(EXPERIMENT));
        }
      }
      assertThat(empty).as("dashboard queries without data (of %d)", queries.size()).isEmpty();
      assertThat(skipped).as("only GPU panels wait for a GPU").allSatisfy(e -> assertThat(e).contains("mentor_gpu_"));
      assertThat(queries.size() - skipped.size()).as("queries checked").isGreaterThanOrEqualTo(40);
    }
  }
}
