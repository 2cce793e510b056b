package dev.mentor.actors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.history.HistoryLocation;
import dev.mentor.training.history.HistoryRebuild;
import dev.mentor.training.history.HistoryStore;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose stack's history side on a real PostgreSQL: docker/postgres/init's script creates
 * Grafana's read-only role before the schema exists (as the postgres image runs it), Mentor's role
 * migrates and fills the history, and every query of the "Mentor: history" dashboard (panels and
 * template variable, Grafana's macros bound) runs as that role and returns rows, while a write as
 * that role is refused.
 */
class HistoryDashboardTest {
  private static final Path DOCKER = Path.of("..", "docker");
  private static final String READER_PASSWORD = "reader-test-password";

  @TempDir Path dir;

  @Test
  void everyHistoryDashboardQueryRunsAsGrafanasReadOnlyRole() throws Exception {
    try (PostgresServer postgres = PostgresServer.start()) {
      HistoryLocation location = postgres.database("dashboard");
      // As the postgres image does at its first start: the init scripts, then (later) Mentor's service migrates.
      ProcessBuilder init = new ProcessBuilder("sh", DOCKER.resolve("postgres/init/10-grafana-reader.sh").toAbsolutePath().toString())
          .redirectErrorStream(true);
      init.environment().putAll(Map.of("POSTGRES_USER", PostgresServer.USER, "POSTGRES_DB", "dashboard", "GRAFANA_DB_PASSWORD", READER_PASSWORD,
          "PGHOST", "127.0.0.1", "PGPORT", String.valueOf(postgres.port()),
          "PATH", postgres.program("psql").getParent() + ":" + System.getenv("PATH")));
      Process script = init.start();
      String output = new String(script.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(script.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(script.exitValue()).as(output).isZero();

      Path runs = dir.resolve("runs");
      new ExperimentRunner(SpecReader.parse("""
          name: dashboard
          seeds: [1, 2]
          data: {source: synthetic, syntheticClasses: 3, syntheticPerClass: 20}
          tasks: {t: {classes: [0, 1, 2]}}
          defaults: {task: t, epochs: 2, batchSize: 16}
          arms:
            - {name: logreg, model: {type: logistic}}
            - {name: mlp, model: {type: mlp, widths: [8]}}
          """), runs, runs).run(RunListener.NONE);
      try (HistoryStore store = HistoryStore.open(location)) {
        HistoryRebuild.rebuild(store, runs);
      }

      String url = location.url();
      try (Connection grafana = DriverManager.getConnection(url, "grafana_reader", READER_PASSWORD)) {
        List<String> queries = dashboardQueries();
        assertThat(queries).hasSizeGreaterThanOrEqualTo(5);
        for (String sql : queries) {
          String bound = sql.replaceAll("\\$__timeFilter\\(((?:[^()]|\\([^()]*\\))*)\\)", "$1 BETWEEN to_timestamp(0) AND now() + interval '1 day'")
              .replace("$arm", "mlp");
          assertThat(bound).as("every macro and variable bound").doesNotContain("$");
          assertThat(rows(grafana, bound)).as("rows of %s", bound).isNotEmpty();
        }
        assertThatThrownBy(() -> rows(grafana, "INSERT INTO events (experiment_id, arm, seed, member, epoch, kind, message)"
            + " VALUES ('x', 'x', 1, -1, 0, 'note', 'x') RETURNING 1")).isInstanceOf(SQLException.class).hasMessageContaining("permission denied");
      }
    }
  }

  /** The SQL of every panel target and of the template variables of docker/grafana/dashboards/mentor-history.json. */
  private static List<String> dashboardQueries() throws Exception {
    JsonNode dashboard = new ObjectMapper().readTree(DOCKER.resolve("grafana/dashboards/mentor-history.json").toFile());
    List<String> queries = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("datasource").path("uid").asText()).as(panel.path("title").asText()).isEqualTo("history");
        queries.add(target.path("rawSql").asText());
      }
    }
    dashboard.path("templating").path("list").forEach(variable -> queries.add(variable.path("query").asText()));
    return queries;
  }

  private static List<List<Object>> rows(Connection connection, String sql) throws SQLException {
    List<List<Object>> rows = new ArrayList<>();
    try (Statement statement = connection.createStatement(); ResultSet rs = statement.executeQuery(sql)) {
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<Object> row = new ArrayList<>();
        for (int c = 1; c <= columns; c++) {
          row.add(rs.getObject(c));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
