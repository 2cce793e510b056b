package dev.mentor.training.history;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;

/**
 * The measurements behind the choice of the embedded history database and its write overhead
 * (docs/benchmarks.md, "Experiment history"). Not a test: run it with the test class path,
 * {@code java -cp ... dev.mentor.training.history.HistoryBenchmark [folder]}. For SQLite, H2 and
 * DuckDB, each one file: opening (new and existing, with the schema), epoch rows written one
 * transaction each as a run writes them, a comparison query over 1,000 experiments, the file's
 * size, and whether a second process can write the file while the first has it open. Then the
 * writer's cost per epoch in a real in-process run.
 */
public final class HistoryBenchmark {
  private static final int EPOCH_ROWS = 2_000;
  private static final int EXPERIMENTS = 1_000;
  private static final int ARMS = 3;
  private static final int SEEDS = 2;
  private static final int EPOCHS = 10;

  private HistoryBenchmark() {}

  /** One database engine: its URL for a file, how it upserts an epoch row, whether Flyway migrates it. */
  private record Engine(String name, String url, String upsertEpoch, String upsertRun, boolean flyway) {}

  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--second-writer")) {
      secondWriter(args[1]);
      return;
    }
    Path dir = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("mentor-history-bench");
    if (args.length > 1 && args[1].equals("--overhead-only")) {
      overhead(dir);
      return;
    }
    String epochColumns = "experiment_id, arm, seed, member, epoch, phase, train_loss, train_accuracy, validation_loss, validation_accuracy,"
        + " learning_rate, samples_per_second, seconds, terms, recorded_at_ms";
    String onConflictEpoch = " ON CONFLICT (experiment_id, arm, seed, member, epoch) DO UPDATE SET train_loss = excluded.train_loss,"
        + " validation_loss = excluded.validation_loss";
    String runColumns = "experiment_id, arm, seed, member, role, state, validation_accuracy, test_accuracy, updated_at_ms";
    List<Engine> engines = List.of(
        new Engine("SQLite 3.54 (WAL)", HistoryLocation.sqlite(dir.resolve("sqlite.db")).url(),
            "INSERT INTO epochs (" + epochColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" + onConflictEpoch,
            "INSERT INTO runs (" + runColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", true),
        new Engine("H2 2.5 (file)", "jdbc:h2:file:" + dir.resolve("h2").toAbsolutePath(),
            "MERGE INTO epochs (" + epochColumns + ") KEY (experiment_id, arm, seed, member, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            "INSERT INTO runs (" + runColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", true),
        new Engine("DuckDB 1.5 (file)", "jdbc:duckdb:" + dir.resolve("duck.db").toAbsolutePath(),
            "INSERT INTO epochs (" + epochColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)" + onConflictEpoch,
            "INSERT INTO runs (" + runColumns + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", false));
    System.out.println("| database | open new + schema (ms) | open existing (ms) | epoch row, own transaction (ms, median / p99) |"
        + " compare query over 1,000 experiments (ms) | curve of one run (ms) | file size (MiB) | second process writes while open |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (Engine engine : engines) {
      System.out.println(measure(engine, dir));
    }
    overhead(dir);
  }

  private static String measure(Engine engine, Path dir) throws Exception {
    long start = System.nanoTime();
    try (Connection c = open(engine)) {
      // schema made by open
    }
    double openNew = millis(start);
    start = System.nanoTime();
    Connection c = open(engine);
    double openExisting = millis(start);
    try {
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("INSERT INTO experiments (id, name, spec_digest, spec, state, arms, seeds, runs_planned,"
          + " updated_at_ms) VALUES (?, ?, 'd', '{}', 'finished', 3, 2, 6, 0)")) {
        for (int e = 0; e < EXPERIMENTS; e++) {
          s.setString(1, "e" + e);
          s.setString(2, "exp" + (e % 50));
          s.executeUpdate();
        }
      }
      c.commit();
      // As a run writes them: one row, one transaction.
      double[] perRow = new double[EPOCH_ROWS];
      try (PreparedStatement s = c.prepareStatement(engine.upsertEpoch())) {
        for (int i = 0; i < EPOCH_ROWS; i++) {
          long t = System.nanoTime();
          bindEpoch(s, "e0", "live", 1, i + 1);
          s.executeUpdate();
          c.commit();
          perRow[i] = millis(t);
        }
      }
      Arrays.sort(perRow);
      // Bulk: the experiments' runs and curves, to query.
      try (PreparedStatement runs = c.prepareStatement(engine.upsertRun()); PreparedStatement epochs = c.prepareStatement(engine.upsertEpoch())) {
        for (int e = 0; e < EXPERIMENTS; e++) {
          for (int a = 0; a < ARMS; a++) {
            for (int seed = 1; seed <= SEEDS; seed++) {
              runs.setString(1, "e" + e);
              runs.setString(2, "arm" + a);
              runs.setLong(3, seed);
              runs.setInt(4, -1);
              runs.setString(5, "trainer");
              runs.setString(6, "finished");
              runs.setDouble(7, 0.5 + 0.1 * a + 0.001 * seed);
              runs.setDouble(8, 0.5 + 0.1 * a);
              runs.setLong(9, 0);
              runs.addBatch();
              for (int epoch = 1; epoch <= EPOCHS; epoch++) {
                bindEpoch(epochs, "e" + e, "arm" + a, seed, epoch);
                epochs.addBatch();
              }
            }
          }
          runs.executeBatch();
          epochs.executeBatch();
        }
      }
      c.commit();
      double compare = median(c, "SELECT e.name, r.arm, COUNT(*) AS seeds, AVG(r.validation_accuracy) AS val, AVG(r.test_accuracy) AS test"
          + " FROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.member = -1 AND r.state = 'finished'"
          + " GROUP BY e.name, r.arm ORDER BY e.name, val DESC");
      double curve = median(c, "SELECT epoch, train_loss, validation_loss FROM epochs WHERE experiment_id = 'e500' AND arm = 'arm1' AND seed = 2"
          + " ORDER BY epoch");
      c.commit();
      String second = secondProcess(engine);
      c.close();
      long bytes;
      try (Stream<Path> files = Files.list(dir)) {
        String stem = engine.url().substring(engine.url().lastIndexOf('/') + 1);
        bytes = files.filter(f -> f.getFileName().toString().startsWith(stem)).mapToLong(f -> {
          try {
            return Files.size(f);
          } catch (IOException e) {
            return 0;
          }
        }).sum();
      }
      return String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f / %.2f | %.1f | %.2f | %.1f | %s |", engine.name(), openNew, openExisting,
          perRow[EPOCH_ROWS / 2], perRow[EPOCH_ROWS * 99 / 100], compare, curve, bytes / 1048576.0, second);
    } finally {
      if (!c.isClosed()) {
        c.close();
      }
    }
  }

  private static Connection open(Engine engine) throws SQLException, IOException {
    if (engine.flyway()) {
      Flyway.configure(HistoryBenchmark.class.getClassLoader()).dataSource(engine.url(), null, null).locations("classpath:db/history").load().migrate();
      return DriverManager.getConnection(engine.url());
    }
    // DuckDB: Flyway does not know it; the same script by hand, less the foreign keys' ON DELETE CASCADE it does not take.
    Connection c = DriverManager.getConnection(engine.url());
    try (Statement s = c.createStatement(); ResultSet tables = s.executeQuery("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'epochs'")) {
      tables.next();
      if (tables.getInt(1) > 0) {
        return c;
      }
    }
    String script;
    try (InputStream in = HistoryBenchmark.class.getResourceAsStream("/db/history/V1__history.sql")) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Statement s = c.createStatement()) {
      for (String sql : script.replaceAll("--[^\n]*", "").replace(" ON DELETE CASCADE", "").split(";")) {
        if (!sql.isBlank()) {
          s.execute(sql);
        }
      }
    }
    return c;
  }

  private static void bindEpoch(PreparedStatement s, String experiment, String arm, long seed, int epoch) throws SQLException {
    s.setString(1, experiment);
    s.setString(2, arm);
    s.setLong(3, seed);
    s.setInt(4, -1);
    s.setInt(5, epoch);
    s.setString(6, "train");
    for (int i = 7; i <= 13; i++) {
      s.setDouble(i, 1.0 / (epoch + i));
    }
    s.setNull(14, java.sql.Types.VARCHAR);
    s.setLong(15, 0);
  }

  private static double median(Connection c, String sql) throws SQLException {
    double[] times = new double[7];
    for (int i = 0; i < times.length; i++) {
      long t = System.nanoTime();
      try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(sql)) {
        while (r.next()) {
          r.getObject(1);
        }
      }
      times[i] = millis(t);
    }
    Arrays.sort(times);
    return times[times.length / 2];
  }

  /** Starts a second JVM that opens the file while this one holds it, and writes one row; its answer, one line. */
  private static String secondProcess(Engine engine) throws IOException, InterruptedException {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", System.getProperty("java.class.path"),
        HistoryBenchmark.class.getName(), "--second-writer", engine.url()).redirectErrorStream(true).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    child.waitFor(60, TimeUnit.SECONDS);
    String last = out.lines().reduce((a, b) -> b).orElse("");
    return last.length() > 90 ? last.substring(0, 90) + "..." : last;
  }

  private static void secondWriter(String url) {
    try (Connection c = DriverManager.getConnection(url + (url.startsWith("jdbc:sqlite:") ? "?busy_timeout=10000" : ""));
        Statement s = c.createStatement()) {
      s.executeUpdate("INSERT INTO experiments (id, name, spec_digest, spec, state, arms, seeds, runs_planned, updated_at_ms)"
          + " VALUES ('second', 'second', 'd', '{}', 'running', 1, 1, 1, 0)");
      System.out.println("yes");
    } catch (SQLException e) {
      System.out.println("no: " + e.getMessage().replaceAll("\\s+", " "));
    }
  }

  /**
   * The writer's cost per epoch in a real run: an in-process experiment recorded into SQLite, its
   * writer's thread time (wall and CPU) per epoch row against the epochs' own seconds, and what
   * {@link HistoryWriter#submit} costs the training thread.
   */
  private static void overhead(Path dir) throws Exception {
    var spec = SpecReader.parse("""
        name: overhead
        seeds: [1, 2]
        data: {source: synthetic, syntheticClasses: 10, syntheticPerClass: 100}
        tasks: {t: {classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perClass: 10}}
        defaults: {task: t, epochs: 20, batchSize: 16, model: {type: cnn, channels: [16, 32], hidden: 64}}
        arms:
          - {name: scratch}
          - {name: logreg, model: {type: logistic}}
        """);
    Path output = dir.resolve("overhead");
    HistoryLocation location = HistoryLocation.embedded(output);
    // An epoch's whole cost: from one epoch's saved checkpoint to the next (training, validation, checkpoint, curve).
    Map<String, Long> lastSaved = new java.util.concurrent.ConcurrentHashMap<>();
    List<Double> epochSeconds = java.util.Collections.synchronizedList(new ArrayList<>());
    RunListener clock = new RunListener() {
      @Override
      public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
        lastSaved.put(arm + seed, System.nanoTime());
      }

      @Override
      public void epochSaved(String arm, long seed, int epoch) {
        long now = System.nanoTime();
        Long last = lastSaved.put(arm + seed, now);
        epochSeconds.add((now - last) / 1e9);
      }
    };
    HistoryWriter.Stats stats;
    try (HistoryWriter writer = HistoryWriter.start(location, System.err)) {
      HistoryRecorder.run(new ExperimentRunner(spec, output, output), clock, writer);
      writer.flush(Duration.ofSeconds(30));
      stats = writer.stats();
    }
    double meanEpoch = epochSeconds.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    double minEpoch = epochSeconds.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
    int epochs = epochSeconds.size();
    double wallPerEpoch = stats.writeNanos() / 1e6 / epochs;
    double cpuPerEpoch = stats.writeCpuNanos() / 1e6 / epochs;
    // The training thread's share: queueing an epoch row.
    HistoryWriter sink = HistoryWriter.start(HistoryLocation.sqlite(dir.resolve("submit.db")), 200_000, System.err);
    sink.submit(HistoryStoreTest.experiment("x"));
    EpochMetrics row = new EpochMetrics(1, "train", 1, 1, 1, 1, 1, 1, 1, Map.of());
    int n = 100_000;
    long t = System.nanoTime();
    for (int i = 0; i < n; i++) {
      sink.submit(new HistoryWrite.Epoch("x", "a", 1, -1, new EpochMetrics(i + 1, "train", 1, 1, 1, 1, 1, 1, 1, Map.of()), 0));
    }
    double submitMicros = (System.nanoTime() - t) / 1e3 / n;
    sink.flush(Duration.ofSeconds(60));
    HistoryWriter.Stats bulk = sink.stats();
    sink.close();
    System.out.printf(Locale.ROOT, "%nwrite overhead: %d epochs (whole epoch: mean %.3f s, shortest %.3f s), %d writes in %d transactions;"
            + " writer thread per epoch %.3f ms wall, %.3f ms CPU (the run's records and spec included);"
            + " submit on the training thread %.2f us; writer CPU + submits against the epochs' time: %.3f %%;"
            + " 100,000 epoch rows queued at once: written in %d transactions, %.3f ms CPU each row%n",
        epochs, meanEpoch, minEpoch, stats.written(), stats.transactions(), wallPerEpoch, cpuPerEpoch, submitMicros,
        100 * (cpuPerEpoch / 1000 + submitMicros / 1e6) / meanEpoch,
        bulk.transactions(), bulk.writeCpuNanos() / 1e6 / bulk.written());
  }

  private static double millis(long start) {
    return (System.nanoTime() - start) / 1e6;
  }
}
