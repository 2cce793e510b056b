package dev.mentor.actors.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** docker/: the Prometheus config passes promtool, the compose file docker-compose, the dashboards are well formed and provisionable. */
class DeploymentFilesTest {
  @Test
  void prometheusConfigPassesPromtool() throws Exception {
    Path promtool = ExternalTools.require("promtool");
    ExternalTools.Result check = ExternalTools.run(List.of(promtool.toString(), "check", "config", "prometheus/prometheus.yml"), Dashboards.DOCKER,
        null);
    assertThat(check.status()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS");
  }

  @Test
  void composeFileIsValidAndStartsTheFourServices() throws Exception {
    Path compose = ExternalTools.require("docker-compose");
    ExternalTools.Result config = ExternalTools.run(List.of(compose.toString(), "-f", "compose.yaml", "config"), Dashboards.DOCKER, null);
    assertThat(config.status()).as(config.output()).isZero();
    ExternalTools.Result services = ExternalTools.run(List.of(compose.toString(), "-f", "compose.yaml", "config", "--services"), Dashboards.DOCKER,
        null);
    assertThat(services.output().lines().toList()).containsExactlyInAnyOrder("kafka", "mentor", "prometheus", "grafana");
    assertThat(config.output()).as("Prometheus scrapes Mentor's endpoint port").contains("9464");
  }

  @Test
  void dashboardsAreProvisionedFromPrometheusAndUseOnlyKnownVariables() throws Exception {
    List<Path> files = Dashboards.files();
    assertThat(files).extracting(f -> f.getFileName().toString())
        .containsExactlyInAnyOrder("mentor-overview.json", "mentor-experiment.json", "mentor-tensor-bus.json");
    Set<String> uids = new HashSet<>();
    for (Path file : files) {
      JsonNode dashboard = Dashboards.read(file);
      assertThat(uids.add(dashboard.path("uid").asText())).as("%s: unique uid", file).isTrue();
      List<JsonNode> targets = new ArrayList<>();
      dashboard.path("panels").forEach(p -> p.path("targets").forEach(targets::add));
      assertThat(targets).as("%s has queries", file).isNotEmpty();
      assertThat(targets).allSatisfy(t -> assertThat(t.path("datasource").path("uid").asText()).as("%s: datasource", file).isEqualTo("prometheus"));
    }
    assertThat(Dashboards.queries()).allSatisfy(q -> assertThat(Dashboards.VARIABLES).as("%s / %s: %s", q.dashboard(), q.panel(), q.expr())
        .containsAll(q.variables()));
    String datasource = Files.readString(Dashboards.DOCKER.resolve("grafana/provisioning/datasources/prometheus.yml"));
    assertThat(datasource).contains("uid: prometheus").contains("http://prometheus:9090");
  }
}
