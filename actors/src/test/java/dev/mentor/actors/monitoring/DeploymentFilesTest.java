package dev.mentor.actors.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker/: the Prometheus config passes promtool; the compose file passes docker-compose, publishes only what a user
 * reaches (on loopback unless an operator opts in), and needs a Grafana password; the dashboards are well formed and
 * provisionable.
 */
class DeploymentFilesTest {
  @Test
  void prometheusConfigPassesPromtool() throws Exception {
    Path promtool = ExternalTools.require("promtool");
    ExternalTools.Result check = ExternalTools.run(List.of(promtool.toString(), "check", "config", "prometheus/prometheus.yml"), Dashboards.DOCKER,
        null);
    assertThat(check.status()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS");
  }

  /** The password the tests give Grafana; the compose file has no default for it. */
  private static final String GRAFANA_PASSWORD = "test-password";
  /** The history database's passwords the tests give: Mentor's role and Grafana's read-only role; no defaults either. */
  private static final String DB_PASSWORD = "test-db-password";
  private static final String READER_PASSWORD = "test-reader-password";

  /**
   * {@code docker-compose config} with {@code environment} over this process's environment (a {@code null} value
   * removes the variable) and an empty env file, so that neither a developer's {@code MENTOR_BIND} nor a
   * {@code docker/.env} decides the outcome.
   */
  private static ExternalTools.Result composeConfig(Path emptyDir, Map<String, String> environment, String... options) throws Exception {
    Path compose = ExternalTools.require("docker-compose");
    Path envFile = Files.writeString(emptyDir.resolve("empty.env"), "");
    Map<String, String> env = new HashMap<>();
    env.put("MENTOR_BIND", null);
    env.put("GRAFANA_ADMIN_PASSWORD", GRAFANA_PASSWORD);
    env.put("MENTOR_DB_PASSWORD", DB_PASSWORD);
    env.put("GRAFANA_DB_PASSWORD", READER_PASSWORD);
    env.put("GRAFANA_ANONYMOUS", null);
    env.putAll(environment);
    List<String> command = new ArrayList<>(List.of(compose.toString(), "--env-file", envFile.toString(), "-f", "compose.yaml", "config"));
    command.addAll(List.of(options));
    return ExternalTools.run(command, Dashboards.DOCKER, null, env);
  }

  private static JsonNode parsedComposeConfig(Path emptyDir, Map<String, String> environment) throws Exception {
    ExternalTools.Result config = composeConfig(emptyDir, environment);
    assertThat(config.status()).as(config.output()).isZero();
    return new YAMLMapper().readTree(config.output());
  }

  /** The host address of each published port, by service: "host:published:target[/proto]" (compose 1) or a map (compose 2). */
  private static Map<String, List<String>> publishedPorts(JsonNode config) {
    Map<String, List<String>> ports = new TreeMap<>();
    config.path("services").fields().forEachRemaining(service -> service.getValue().path("ports").forEach(port -> {
      String published;
      if (port.isTextual()) {
        String[] parts = port.asText().split("/")[0].split(":");
        published = (parts.length == 3 ? parts[0] : "") + ":" + parts[parts.length - 2];
      } else {
        published = port.path("host_ip").asText("") + ":" + port.path("published").asText();
      }
      ports.computeIfAbsent(service.getKey(), k -> new ArrayList<>()).add(published);
    }));
    return ports;
  }

  @Test
  void composeFileIsValidAndStartsTheFiveServices(@TempDir Path emptyDir) throws Exception {
    ExternalTools.Result config = composeConfig(emptyDir, Map.of());
    assertThat(config.status()).as(config.output()).isZero();
    ExternalTools.Result services = composeConfig(emptyDir, Map.of(), "--services");
    assertThat(services.output().lines().toList()).containsExactlyInAnyOrder("kafka", "postgres", "mentor", "prometheus", "grafana");
    assertThat(config.output()).as("Prometheus scrapes Mentor's endpoint port").contains("9464");
    assertThat(Files.readString(Dashboards.DOCKER.resolve("prometheus/prometheus.yml"))).contains("port: 9464");
  }

  @Test
  void composePublishesOnlyKafkaPrometheusAndGrafana_onLoopbackByDefault(@TempDir Path emptyDir) throws Exception {
    JsonNode config = parsedComposeConfig(emptyDir, Map.of());

    assertThat(publishedPorts(config)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "kafka", List.of("127.0.0.1:29092"),
        "prometheus", List.of("127.0.0.1:9090"),
        "grafana", List.of("127.0.0.1:3000")));
    assertThat(config.path("services").path("mentor").path("expose")).extracting(JsonNode::asText).containsExactly("9464");
  }

  @Test
  void composePublishesOnTheInterfaceAnOperatorOptsInto(@TempDir Path emptyDir) throws Exception {
    JsonNode config = parsedComposeConfig(emptyDir, Map.of("MENTOR_BIND", "0.0.0.0"));

    assertThat(publishedPorts(config).values()).allSatisfy(ports -> assertThat(ports).allMatch(p -> p.startsWith("0.0.0.0:")));
  }

  @Test
  void prometheusHasNeitherLifecycleNorAdminApi(@TempDir Path emptyDir) throws Exception {
    JsonNode command = parsedComposeConfig(emptyDir, Map.of()).path("services").path("prometheus").path("command");

    assertThat(command).extracting(JsonNode::asText)
        .contains("--config.file=/etc/prometheus/prometheus.yml")
        .noneMatch(flag -> flag.startsWith("--web.enable-lifecycle") || flag.startsWith("--web.enable-admin-api"));
  }

  @Test
  void grafanaTakesItsAdminPasswordFromTheEnvironment_andAnonymousUsersOnlyView(@TempDir Path emptyDir) throws Exception {
    JsonNode grafana = parsedComposeConfig(emptyDir, Map.of()).path("services").path("grafana").path("environment");

    assertThat(grafana.path("GF_SECURITY_ADMIN_PASSWORD").asText()).isEqualTo(GRAFANA_PASSWORD);
    assertThat(grafana.path("GF_AUTH_ANONYMOUS_ENABLED").asText()).isEqualTo("false");
    assertThat(grafana.path("GF_AUTH_ANONYMOUS_ORG_ROLE").asText()).isEqualTo("Viewer");
    assertThat(grafana.path("GF_USERS_ALLOW_SIGN_UP").asText()).isEqualTo("false");
  }

  @Test
  void theServiceWritesItsHistoryToThePostgresOfTheStack_andGrafanaReadsItAsAReadOnlyRole(@TempDir Path emptyDir) throws Exception {
    JsonNode services = parsedComposeConfig(emptyDir, Map.of()).path("services");
    JsonNode mentor = services.path("mentor").path("environment");
    assertThat(mentor.path("MENTOR_HISTORY_URL").asText()).isEqualTo("jdbc:postgresql://postgres:5432/mentor");
    assertThat(mentor.path("MENTOR_HISTORY_PASSWORD").asText()).isEqualTo(DB_PASSWORD);
    assertThat(services.path("postgres").path("environment").path("POSTGRES_PASSWORD").asText()).isEqualTo(DB_PASSWORD);
    assertThat(services.path("postgres").path("ports").isMissingNode()).as("PostgreSQL is not published on the host").isTrue();
    assertThat(services.path("grafana").path("environment").path("GRAFANA_DB_PASSWORD").asText()).isEqualTo(READER_PASSWORD);
    String datasource = Files.readString(Dashboards.DOCKER.resolve("grafana/provisioning/datasources/history.yml"));
    assertThat(datasource).contains("uid: history").contains("user: grafana_reader").contains("password: $GRAFANA_DB_PASSWORD");
  }

  @Test
  void composeRefusesToStartWithoutTheHistoryDatabasePasswords(@TempDir Path emptyDir) throws Exception {
    for (String variable : List.of("MENTOR_DB_PASSWORD", "GRAFANA_DB_PASSWORD")) {
      Map<String, String> unset = new HashMap<>();
      unset.put(variable, null);
      ExternalTools.Result config = composeConfig(emptyDir, unset);
      assertThat(config.status()).as(config.output()).isNotZero();
      assertThat(config.output()).contains("set " + variable);
    }
  }

  @Test
  void composeRefusesToStartWithoutAGrafanaAdminPassword(@TempDir Path emptyDir) throws Exception {
    Map<String, String> unset = new HashMap<>();
    unset.put("GRAFANA_ADMIN_PASSWORD", null);
    ExternalTools.Result config = composeConfig(emptyDir, unset);

    assertThat(config.status()).as(config.output()).isNotZero();
    assertThat(config.output()).contains("set GRAFANA_ADMIN_PASSWORD");
  }

  @Test
  void dashboardsAreProvisionedFromPrometheusAndUseOnlyKnownVariables() throws Exception {
    List<Path> files = Dashboards.files();
    assertThat(files).extracting(f -> f.getFileName().toString())
        .containsExactlyInAnyOrder("mentor-overview.json", "mentor-experiment.json", "mentor-tensor-bus.json", Dashboards.HISTORY);
    Set<String> uids = new HashSet<>();
    for (Path file : files) {
      if (file.getFileName().toString().equals(Dashboards.HISTORY)) {
        // The history dashboard queries PostgreSQL: HistoryDashboardTest runs its queries.
        assertThat(uids.add(Dashboards.read(file).path("uid").asText())).isTrue();
        continue;
      }
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
