package dev.mentor.training.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store on its own: upserts, read-only queries, two writers at once, a writer killed mid-way, a database that is away. */
class HistoryStoreTest {
  @TempDir Path dir;

  static HistoryWrite experiment(String id) {
    return new HistoryWrite.Experiment(id, id, "0".repeat(64), "{}", "/runs/" + id, "host", null, "running", null, 1, 1, 1, 1L, 1L, null, 1L, false);
  }

  static HistoryWrite epoch(String id, int epoch, double loss) {
    return new HistoryWrite.Epoch(id, "a", 1, -1, new EpochMetrics(epoch, "train", loss, 0.5, 1, 0.5, 0.1, 100, 0.01, Map.of()), 0);
  }

  private static long count(HistoryStore store, String sql) throws SQLException {
    return ((Number) store.query(sql, 1).rows().get(0).get(0)).longValue();
  }

  @Test
  void openingAHistoryWhileAnotherConnectionHoldsItsWriteLock_readsTheSchemaAndWaitsForNothing(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("history.db");
    HistoryStore.sqlite(file).close();
    try (java.sql.Connection writer = java.sql.DriverManager.getConnection("jdbc:sqlite:" + file + "?busy_timeout=1000")) {
      writer.setAutoCommit(false);
      try (java.sql.Statement statement = writer.createStatement()) {
        // Another process in the middle of a write transaction, as a second `mentor run` into one output folder meets it.
        statement.execute("CREATE TABLE held (x INTEGER)");
      }
      long start = System.nanoTime();
      try (HistoryStore second = HistoryStore.sqlite(file)) {
        assertThat(second.location().url()).contains("history.db");
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("opened without waiting for the writer's lock")
          .isLessThan(Duration.ofMillis(HistoryStore.BUSY_TIMEOUT_MS / 2));
      writer.rollback();
    }
  }

  @Test
  void writingTheSameRowsTwice_leavesOneOfEach_andARepeatedEpochReplacesIt() throws Exception {
    try (HistoryStore store = HistoryStore.sqlite(dir.resolve("h.db"))) {
      RunEvent event = new RunEvent(2, "early-stopping", "stopped");
      for (int i = 0; i < 2; i++) {
        store.write(List.of(experiment("x"), epoch("x", 1, 2.0), epoch("x", 2, 1.5), new HistoryWrite.Event("x", "a", 1, -1, event, 0)));
      }
      store.write(List.of(epoch("x", 2, 1.25)));
      assertThat(count(store, "SELECT COUNT(*) FROM experiments")).isEqualTo(1);
      assertThat(count(store, "SELECT COUNT(*) FROM events")).isEqualTo(1);
      assertThat(store.query("SELECT epoch, train_loss FROM epochs ORDER BY epoch", 10).rows()).containsExactly(List.of(1, 2.0), List.of(2, 1.25));
    }
  }

  @Test
  void aTransactionThatFails_writesNothing() throws Exception {
    try (HistoryStore store = HistoryStore.sqlite(dir.resolve("h.db"))) {
      store.write(List.of(experiment("x")));
      // The second write's experiment does not exist: the foreign key fails it, and the first row of the batch goes with it.
      assertThatThrownBy(() -> store.write(List.of(epoch("x", 1, 1), epoch("missing", 1, 1)))).isInstanceOf(SQLException.class);
      store.write(List.of(epoch("x", 2, 1)));
      assertThat(store.query("SELECT epoch FROM epochs", 10).rows()).containsExactly(List.of(2));
    }
  }

  @Test
  void queries_areRefusedUnlessOneSelect_andTheConnectionItselfCannotWrite() throws Exception {
    try (HistoryStore store = HistoryStore.sqlite(dir.resolve("h.db"))) {
      store.write(List.of(experiment("x"), epoch("x", 1, 1)));
      assertThatThrownBy(() -> store.query("DELETE FROM epochs", 10)).hasMessageContaining("only SELECT and WITH");
      assertThatThrownBy(() -> store.query("SELECT 1; DELETE FROM epochs", 10)).hasMessageContaining("one statement");
      assertThatThrownBy(() -> store.query("/* a comment */ DROP TABLE epochs", 10)).hasMessageContaining("DROP");
      // Passes the first guard; the read-only connection stops it.
      assertThatThrownBy(() -> store.query("WITH gone AS (SELECT 1) DELETE FROM epochs", 10)).isInstanceOf(SQLException.class);
      assertThat(store.query("SELECT 'a;b' AS s, COUNT(*) AS n FROM epochs;", 10).rows()).containsExactly(List.of("a;b", 1));
      assertThat(store.query("SELECT epoch FROM epochs", 0).truncated()).isTrue();
    }
  }

  @Test
  void twoWritersOfOneFile_eachRowInItsOwnTransaction_loseNoRow() throws Exception {
    Path file = dir.resolve("shared.db");
    int rows = 300;
    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Void>> writers = new ArrayList<>();
      for (String id : List.of("left", "right")) {
        Callable<Void> writer = () -> {
          start.await();
          // Both open (and migrate) the new file at the same time, too.
          try (HistoryStore store = HistoryStore.sqlite(file)) {
            store.write(List.of(experiment(id)));
            for (int e = 1; e <= rows; e++) {
              store.write(List.of(epoch(id, e, 1.0 / e)));
            }
          }
          return null;
        };
        writers.add(pool.submit(writer));
      }
      for (Future<Void> writer : writers) {
        writer.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    try (HistoryStore store = HistoryStore.sqlite(file)) {
      assertThat(store.query("SELECT experiment_id, COUNT(*) FROM epochs GROUP BY experiment_id ORDER BY experiment_id", 10).rows())
          .containsExactly(List.of("left", rows), List.of("right", rows));
    }
  }

  @Test
  void aWriterKilledMidWay_leavesOnlyWholeTransactions_andTheDatabaseOpens() throws Exception {
    Path file = dir.resolve("killed.db");
    String url = HistoryLocation.sqlite(file).url();
    int perTransaction = 7;
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-cp",
        System.getProperty("java.class.path"), HistoryWriteLoop.class.getName(), url, "killed", String.valueOf(perTransaction))
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    long committed = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while (committed < 50 * perTransaction && (line = out.readLine()) != null) {
        committed = Long.parseLong(line.strip());
      }
      // SIGKILL, by pid: no shutdown hook, no close, most likely in the middle of a transaction.
      ProcessHandle.of(child.pid()).orElseThrow().destroyForcibly();
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(committed).as("the child wrote before it was killed").isGreaterThanOrEqualTo(50L * perTransaction);
    try (HistoryStore store = HistoryStore.sqlite(file)) {
      assertThat(store.query("SELECT * FROM pragma_integrity_check", 1).rows()).containsExactly(List.of("ok"));
      long rows = count(store, "SELECT COUNT(*) FROM epochs");
      assertThat(rows).isGreaterThanOrEqualTo(committed);
      assertThat(rows % perTransaction).as("only whole transactions").isZero();
      assertThat(count(store, "SELECT MAX(epoch) FROM epochs")).isEqualTo(rows);
      // Writable again.
      store.write(List.of(epoch("killed", (int) rows + 1, 1)));
    }
  }

  @Test
  void aWriterWhoseDatabaseIsAway_keepsItsWrites_andWritesThemOnceItIsBack() throws Exception {
    // A folder where the database file should be: opening fails until the folder is gone.
    Path file = dir.resolve("later.db");
    Files.createDirectories(file);
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream log = new PrintStream(console, true, StandardCharsets.UTF_8);
    HistoryWriter writer = HistoryWriter.start(HistoryLocation.sqlite(file), log);
    try {
      writer.submit(experiment("x"));
      for (int e = 1; e <= 20; e++) {
        writer.submit(epoch("x", e, 1));
      }
      assertThat(writer.flush(Duration.ofMillis(600))).as("nothing can be written yet").isFalse();
      Files.delete(file);
      assertThat(writer.flush(Duration.ofSeconds(20))).isTrue();
    } finally {
      writer.close();
    }
    assertThat(console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("cannot write"))).as("reported once").hasSize(1);
    assertThat(console.toString(StandardCharsets.UTF_8)).contains("again");
    try (HistoryStore store = HistoryStore.sqlite(file)) {
      assertThat(count(store, "SELECT COUNT(*) FROM epochs")).isEqualTo(20);
    }
  }

  @Test
  void aWriteTheDatabaseRefusesForGood_isLeftOutAlone_andTheOthersOfItsBatchAreWritten() throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Path file = dir.resolve("h.db");
    try (HistoryWriter writer = HistoryWriter.start(HistoryLocation.sqlite(file), new PrintStream(console, true, StandardCharsets.UTF_8))) {
      writer.submit(experiment("x"));
      writer.submit(epoch("x", 1, 1));
      // No experiment "lost": its row breaks the foreign key, and always will.
      writer.submit(epoch("lost", 1, 1));
      writer.submit(epoch("x", 2, 1));
      assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
      writer.submit(epoch("x", 3, 1));
      assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
      assertThat(writer.stats().rejected()).isEqualTo(1);
    }
    assertThat(console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("refused"))).hasSize(1);
    try (HistoryStore store = HistoryStore.sqlite(file)) {
      assertThat(store.query("SELECT experiment_id, epoch FROM epochs ORDER BY epoch", 10).rows())
          .containsExactly(List.of("x", 1), List.of("x", 2), List.of("x", 3));
    }
  }

  @Test
  void aFullQueue_dropsWithoutBlocking_andSaysSoOnce() {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    Path file = dir.resolve("blocked.db");
    try {
      Files.createDirectories(file);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    HistoryWriter writer = HistoryWriter.start(HistoryLocation.sqlite(file), 10, new PrintStream(console, true, StandardCharsets.UTF_8));
    long start = System.nanoTime();
    for (int e = 1; e <= 1000; e++) {
      writer.submit(epoch("x", e, 1));
    }
    long micros = (System.nanoTime() - start) / 1000;
    writer.close(Duration.ofMillis(100));
    assertThat(writer.stats().dropped()).isGreaterThanOrEqualTo(980);
    assertThat(micros).as("1000 submits never wait for the database").isLessThan(500_000);
    assertThat(console.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("dropped"))).hasSize(1);
  }
}
