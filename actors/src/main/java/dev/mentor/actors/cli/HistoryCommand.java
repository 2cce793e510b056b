package dev.mentor.actors.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.history.HistoryListing;
import dev.mentor.training.history.HistoryLocation;
import dev.mentor.training.history.HistoryRebuild;
import dev.mentor.training.history.HistoryStore;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mentor history}: the experiments of the history database, newest first, with their
 * state, runs and best arm (by mean validation accuracy, never by test); {@code history query}
 * runs one read-only SQL query and prints its rows; {@code history rebuild} writes the database
 * again from the run folders. See docs/history.md.
 */
@Command(name = "history", description = "List the experiments of the experiment history (state, arms, runs, best arm by validation accuracy, when).",
    subcommands = {HistoryCommand.Query.class, HistoryCommand.Rebuild.class})
final class HistoryCommand implements Callable<Integer> {
  @Mixin
  HistoryOption history = new HistoryOption();

  @Option(names = "--output", defaultValue = "runs", description = "root folder of the runs, whose history.db is the default database (default: ${DEFAULT-VALUE})")
  Path output;

  @Option(names = "--limit", defaultValue = "30", description = "experiments shown, newest first (default: ${DEFAULT-VALUE})")
  int limit;

  private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneId.systemDefault());

  @Override
  public Integer call() throws Exception {
    try (HistoryStore store = openExisting(history, output)) {
      List<HistoryListing.Experiment> experiments = HistoryListing.latest(store, limit);
      if (experiments.isEmpty()) {
        System.out.println("no experiments in " + store.location());
        return 0;
      }
      List<List<String>> rows = new ArrayList<>();
      for (HistoryListing.Experiment e : experiments) {
        rows.add(List.of(e.name(), e.state(), String.valueOf(e.arms()),
            e.runsFinished() + "/" + e.runsPlanned() + (e.runsFailed() > 0 ? " (" + e.runsFailed() + " failed)" : ""),
            e.bestArm() == null ? "-" : e.bestArm(), percent(e.bestValidationAccuracy()), percent(e.bestTestAccuracy()),
            e.startedAtMs() == null ? "-" : WHEN.format(Instant.ofEpochMilli(e.startedAtMs())), took(e), e.id()));
      }
      printTable(System.out, List.of("EXPERIMENT", "STATE", "ARMS", "RUNS", "BEST ARM", "VAL ACC", "TEST ACC", "STARTED", "TOOK", "ID"), rows);
      return 0;
    }
  }

  private static String percent(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * value);
  }

  private static String took(HistoryListing.Experiment e) {
    if (e.startedAtMs() == null || e.endedAtMs() == null) {
      return "-";
    }
    Duration d = Duration.ofMillis(Math.max(0, e.endedAtMs() - e.startedAtMs()));
    return d.toHours() > 0 ? d.toHours() + "h" + String.format(Locale.ROOT, "%02dm", d.toMinutesPart())
        : d.toMinutes() > 0 ? d.toMinutes() + "m" + String.format(Locale.ROOT, "%02ds", d.toSecondsPart()) : d.toSeconds() + "s";
  }

  /**
   * The database of {@code option} opened for reading (no migration: a read-only role can list and
   * query), refusing an embedded one that is not there rather than creating it (a typo in --output
   * would make an empty one).
   */
  static HistoryStore openExisting(HistoryOption option, Path output) throws Exception {
    HistoryLocation location = option.location(output, Map.of());
    if (location == null) {
      throw new IllegalArgumentException("--history none: there is no history to read");
    }
    if (location.isSqlite()) {
      Path file = Path.of(location.url().substring("jdbc:sqlite:".length()));
      if (!Files.isRegularFile(file)) {
        throw new IOException("no history database " + file + "; `mentor history rebuild --output " + output
            + "` builds it from the run folders");
      }
    }
    return HistoryStore.openForReading(location);
  }

  static void printTable(PrintStream out, List<String> header, List<List<String>> rows) {
    int[] widths = new int[header.size()];
    for (int i = 0; i < widths.length; i++) {
      widths[i] = header.get(i).length();
      for (List<String> row : rows) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    StringBuilder text = new StringBuilder();
    for (List<String> row : prepend(header, rows)) {
      for (int i = 0; i < row.size(); i++) {
        text.append(i == 0 ? "" : "  ").append(i == row.size() - 1 ? row.get(i) : String.format(Locale.ROOT, "%-" + widths[i] + "s", row.get(i)));
      }
      text.append('\n');
    }
    out.print(text);
  }

  private static List<List<String>> prepend(List<String> header, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    return all;
  }

  /** {@code mentor history query "SQL"}. */
  @Command(name = "query", description = "Run one read-only SQL query (SELECT or WITH) on the experiment history and print its rows.")
  static final class Query implements Callable<Integer> {
    @Parameters(paramLabel = "SQL", description = "one SELECT or WITH statement (tables: experiments, runs, epochs, events; docs/history.md)")
    String sql;

    @Mixin
    HistoryOption history = new HistoryOption();

    @Option(names = "--output", defaultValue = "runs", description = "root folder of the runs, whose history.db is the default database (default: ${DEFAULT-VALUE})")
    Path output;

    @Option(names = "--format", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--max-rows", defaultValue = "10000", description = "rows printed at most (default: ${DEFAULT-VALUE})")
    int maxRows;

    @Override
    public Integer call() throws Exception {
      if (!List.of("table", "csv", "json").contains(format)) {
        throw new IllegalArgumentException("--format must be table, csv or json, got " + format);
      }
      HistoryStore.QueryResult result;
      try (HistoryStore store = openExisting(history, output)) {
        result = store.query(sql, maxRows);
      }
      switch (format) {
        case "csv" -> printCsv(System.out, result);
        case "json" -> System.out.println(json(result));
        default -> printTable(System.out, result.columns(), result.rows().stream().map(r -> r.stream().map(Query::cell).toList()).toList());
      }
      if (result.truncated()) {
        System.err.println("mentor: only the first " + maxRows + " rows are shown (--max-rows)");
      }
      return 0;
    }

    private static String cell(Object value) {
      if (value == null) {
        return "NULL";
      }
      // PostgreSQL's SUM and AVG of an integer column are NUMERIC: whole ones as integers, others as doubles are.
      if (value instanceof BigDecimal decimal && decimal.stripTrailingZeros().scale() <= 0) {
        return decimal.toBigInteger().toString();
      }
      if (value instanceof Double || value instanceof Float || value instanceof BigDecimal) {
        return String.format(Locale.ROOT, "%.6g", ((Number) value).doubleValue());
      }
      String text = value.toString();
      return text.length() > 80 ? text.substring(0, 77) + "..." : text.replaceAll("\\s*\\R\\s*", " ");
    }

    static void printCsv(PrintStream out, HistoryStore.QueryResult result) {
      StringBuilder text = new StringBuilder(String.join(",", result.columns().stream().map(Query::csv).toList())).append('\n');
      for (List<Object> row : result.rows()) {
        text.append(String.join(",", row.stream().map(v -> v == null ? "" : csv(v.toString())).toList())).append('\n');
      }
      out.print(text);
    }

    private static String csv(String value) {
      return value.contains(",") || value.contains("\"") || value.contains("\n") ? "\"" + value.replace("\"", "\"\"") + "\"" : value;
    }

    static String json(HistoryStore.QueryResult result) throws IOException {
      ArrayNode rows = SpecReader.json().createArrayNode();
      for (List<Object> row : result.rows()) {
        ObjectNode object = rows.addObject();
        for (int i = 0; i < row.size(); i++) {
          object.putPOJO(result.columns().get(i), row.get(i));
        }
      }
      return SpecReader.json().writerWithDefaultPrettyPrinter().writeValueAsString(rows);
    }
  }

  /** {@code mentor history rebuild}. */
  @Command(name = "rebuild", description = "Write the experiment history again from the run folders (experiment.json, results.json, metrics.csv);"
      + " safe to repeat, never duplicates a row.")
  static final class Rebuild implements Callable<Integer> {
    @Mixin
    HistoryOption history = new HistoryOption();

    @Option(names = "--output", defaultValue = "runs", description = "root folder of the runs to read (default: ${DEFAULT-VALUE})")
    Path output;

    @Override
    public Integer call() throws Exception {
      HistoryLocation location = history.location(output, Map.of());
      if (location == null) {
        throw new IllegalArgumentException("--history none: there is no history to rebuild");
      }
      try (HistoryStore store = HistoryStore.open(location)) {
        HistoryRebuild.Summary summary = HistoryRebuild.rebuild(store, output);
        summary.skipped().forEach(why -> System.err.println("mentor: skipped " + why));
        System.out.println("rebuilt " + location + " from " + output + ": " + summary.experiments() + " experiments, " + summary.runs() + " finished runs, "
            + summary.epochs() + " epochs");
        return summary.skipped().isEmpty() ? 0 : 1;
      }
    }
  }
}
