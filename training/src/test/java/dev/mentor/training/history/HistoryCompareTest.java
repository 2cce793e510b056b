package dev.mentor.training.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import javax.imageio.ImageIO;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code mentor compare} over an embedded history database migrated with the real schema: the
 * selections found by id, by name (the latest of that name) and by best arm on validation, the
 * table's summaries and verdicts, and the overlaid chart.
 */
class HistoryCompareTest {
  @TempDir Path dir;
  private Connection db;

  @BeforeEach
  void migrate() throws SQLException {
    String url = "jdbc:sqlite:" + dir.resolve("history.db");
    Flyway.configure().dataSource(url, null, null).locations("classpath:db/history").load().migrate();
    db = DriverManager.getConnection(url);
  }

  private void experiment(String id, String name, long endedAt) throws SQLException {
    try (PreparedStatement insert = db.prepareStatement("INSERT INTO experiments (id, name, spec_digest, spec, state, arms, seeds,"
        + " runs_planned, ended_at_ms, updated_at_ms) VALUES (?, ?, 'd', '{}', 'finished', 2, 3, 6, ?, ?)")) {
      insert.setString(1, id);
      insert.setString(2, name);
      insert.setLong(3, endedAt);
      insert.setLong(4, endedAt);
      insert.executeUpdate();
    }
  }

  /** Three seeds of an arm around the given accuracies (± 1 point), with a two-epoch curve each. */
  private void arm(String experiment, String arm, double validation, double test) throws SQLException {
    for (int seed = 1; seed <= 3; seed++) {
      double jitter = 0.01 * (seed - 2);
      try (PreparedStatement insert = db.prepareStatement("INSERT INTO runs (experiment_id, arm, seed, member, role, state,"
          + " validation_accuracy, validation_nll, test_accuracy, test_nll, test_ece, epochs_run, train_seconds, parameters,"
          + " samples_per_second, updated_at_ms) VALUES (?, ?, ?, -1, 'trainer', 'finished', ?, 0.5, ?, 0.6, 0.03, 2, 10.0, 1000, 5000.0, 0)")) {
        insert.setString(1, experiment);
        insert.setString(2, arm);
        insert.setLong(3, seed);
        insert.setDouble(4, validation + jitter);
        insert.setDouble(5, test + jitter);
        insert.executeUpdate();
      }
      for (int epoch = 1; epoch <= 2; epoch++) {
        try (PreparedStatement insert = db.prepareStatement("INSERT INTO epochs (experiment_id, arm, seed, member, epoch, phase,"
            + " validation_accuracy) VALUES (?, ?, ?, -1, ?, 'train', ?)")) {
          insert.setString(1, experiment);
          insert.setString(2, arm);
          insert.setLong(3, seed);
          insert.setInt(4, epoch);
          insert.setDouble(5, validation - 0.1 * (2 - epoch));
          insert.executeUpdate();
        }
      }
    }
  }

  @Test
  void selectionsByIdNameAndBestArm_sideBySideWithVerdictsAndOneChart() throws Exception {
    experiment("kd@aaaa", "kd", 1_000);
    experiment("kd@bbbb", "kd", 2_000);
    experiment("scratch@cccc", "scratch", 1_500);
    arm("kd@aaaa", "student", 0.50, 0.50);
    // The later experiment named kd: its best arm on validation is t4, although t8 is better on test.
    arm("kd@bbbb", "t4", 0.86, 0.80);
    arm("kd@bbbb", "t8", 0.84, 0.88);
    arm("scratch@cccc", "mlp", 0.79, 0.795);

    List<HistoryCompare.Selection> selections = HistoryCompare.select(db, List.of("scratch:mlp", "kd", "kd@aaaa:student"));
    assertThat(selections).extracting(HistoryCompare.Selection::experimentId).containsExactly("scratch@cccc", "kd@bbbb", "kd@aaaa");
    assertThat(selections).extracting(HistoryCompare.Selection::arm).containsExactly("mlp", "t4", "student");
    assertThat(selections.get(1).bestOnValidation()).isTrue();
    assertThat(selections.get(1).validationCurve()).containsOnlyKeys(1, 2);

    String table = HistoryCompare.table(selections);
    assertThat(table).contains("| metric | `scratch:mlp` | `kd:t4` | `kd:student` |")
        .contains("| test acc % | 79.5 ± 1.0 | 80.0 ± 1.0 | 50.0 ± 1.0 |")
        .contains("| arm chosen | named | best on validation | named |")
        .contains("| Δ test acc vs first (points) | — | +0.5 ± 1.0 | -29.5 ± 1.0 |")
        .contains("| verdict | baseline | on par | worse by 29.5 points |");

    Path chart = dir.resolve("compare.png");
    HistoryCompare.chart(selections, chart);
    BufferedImage image = ImageIO.read(chart.toFile());
    assertThat(image.getWidth()).isEqualTo(800);
  }

  @Test
  void anUnknownExperimentOrArmIsNamedWithWhatThereIs() throws Exception {
    experiment("kd@aaaa", "kd", 1_000);
    arm("kd@aaaa", "student", 0.5, 0.5);
    assertThatThrownBy(() -> HistoryCompare.select(db, List.of("kd", "nothing"))).hasMessageContaining("no experiment 'nothing'");
    assertThatThrownBy(() -> HistoryCompare.select(db, List.of("kd", "kd:teacher")))
        .hasMessageContaining("no finished run of arm 'teacher'").hasMessageContaining("its arms: student");
    assertThatThrownBy(() -> HistoryCompare.select(db, List.of("kd"))).hasMessageContaining("at least two");
  }
}
