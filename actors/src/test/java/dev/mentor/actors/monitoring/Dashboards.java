package dev.mentor.actors.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Grafana dashboards provisioned from docker/: their files and every PromQL expression their panels query. */
final class Dashboards {
  /** docker/ of the repository: tests run in the module folder. */
  static final Path DOCKER = Path.of("..", "docker");
  static final Path FOLDER = DOCKER.resolve("grafana").resolve("dashboards");
  /** The dashboard over the history database (SQL on PostgreSQL, not PromQL). */
  static final String HISTORY = "mentor-history.json";
  /** The only template variables the dashboards may use; the test knows what to put in their place. */
  static final List<String> VARIABLES = List.of("$experiment", "$arm", "$__rate_interval");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?\\w+}?");

  private Dashboards() {}

  /** One panel query: dashboard file, panel title, expression. */
  record Query(String dashboard, String panel, String expr) {
    /** The expression with the variables set: one experiment, every arm, a rate window of a minute. */
    String bind(String experiment) {
      return expr.replace("$__rate_interval", "1m").replace("$experiment", experiment).replace("$arm", ".*");
    }

    List<String> variables() {
      List<String> found = new ArrayList<>();
      Matcher m = VARIABLE.matcher(expr);
      while (m.find()) {
        found.add(m.group());
      }
      return found;
    }
  }

  static List<Path> files() throws IOException {
    try (var files = Files.list(FOLDER)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    }
  }

  static JsonNode read(Path file) throws IOException {
    return new ObjectMapper().readTree(file.toFile());
  }

  static List<Query> queries() throws IOException {
    List<Query> queries = new ArrayList<>();
    for (Path file : files()) {
      if (file.getFileName().toString().equals(HISTORY)) {
        continue;
      }
      collect(file.getFileName().toString(), read(file).path("panels"), queries);
    }
    return queries;
  }

  private static void collect(String dashboard, JsonNode panels, List<Query> into) {
    for (JsonNode panel : panels) {
      for (JsonNode target : panel.path("targets")) {
        if (target.hasNonNull("expr")) {
          into.add(new Query(dashboard, panel.path("title").asText(), target.get("expr").asText()));
        }
      }
      collect(dashboard, panel.path("panels"), into);
    }
  }
}
