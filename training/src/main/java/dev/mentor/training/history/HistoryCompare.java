package dev.mentor.training.history;

import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.report.Summary;
import java.awt.Color;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;

/**
 * {@code mentor compare}: arms of experiments in the history database side by side. Each
 * selection is {@code EXPERIMENT[:ARM]}: the experiment by its id or by its name (the latest one
 * of that name), the arm by its name, or, left out, the experiment's best arm on validation
 * accuracy (mean over its finished seeds; never chosen on test). The table gives each arm's metrics
 * as mean ± std over seeds, its budget, and its test accuracy against the first selection with a
 * plain verdict (on par when the difference is within one pooled standard deviation, the report's
 * convention); the chart overlays the arms' validation-accuracy curves (mean over seeds per epoch).
 */
public final class HistoryCompare {
  static {
    // As for the report's charts: no ImageIO file cache (it registers a JVM shutdown hook per stream).
    ImageIO.setUseCache(false);
  }

  /** One chosen arm: what was asked, the experiment and arm found, and its finished runs. */
  public record Selection(String asked, String experimentId, String experimentName, String arm, boolean bestOnValidation,
      List<Run> runs, Map<Integer, Summary> validationCurve) {}

  /** One finished run of the arm (a seed) as the history holds it; NaN where a metric is missing. */
  public record Run(long seed, double validationAccuracy, double testAccuracy, double testNll, double testEce, int epochsRun,
      double trainSeconds, long parameters, double samplesPerSecond) {}

  private HistoryCompare() {}

  /** Thrown for a selection the history does not hold; its message names it and what there is instead. */
  public static final class UnknownSelection extends IllegalArgumentException {
    UnknownSelection(String message) {
      super(message);
    }
  }

  /** Finds every selection ({@code EXPERIMENT[:ARM]}) in the history. */
  public static List<Selection> select(Connection db, List<String> asked) throws SQLException {
    if (asked.size() < 2) {
      throw new IllegalArgumentException("compare needs at least two EXPERIMENT[:ARM] selections, got " + asked.size());
    }
    List<Selection> selections = new ArrayList<>();
    for (String one : asked) {
      selections.add(select(db, one));
    }
    return selections;
  }

  static Selection select(Connection db, String asked) throws SQLException {
    int colon = asked.lastIndexOf(':');
    String experiment = colon < 0 ? asked : asked.substring(0, colon);
    String arm = colon < 0 ? null : asked.substring(colon + 1);
    if (experiment.isBlank() || (arm != null && arm.isBlank())) {
      throw new UnknownSelection("'" + asked + "': write EXPERIMENT or EXPERIMENT:ARM");
    }
    Found found = experiment(db, experiment);
    if (found == null) {
      throw new UnknownSelection("no experiment '" + experiment + "' in the history (by id or name); `mentor history` lists them");
    }
    String id = found.id();
    boolean best = arm == null;
    if (best) {
      arm = bestArm(db, id);
      if (arm == null) {
        throw new UnknownSelection("experiment '" + experiment + "' has no finished run with validation results to choose its best arm by;"
            + " name the arm: " + experiment + ":ARM");
      }
    }
    List<Run> runs = runs(db, id, arm);
    if (runs.isEmpty()) {
      throw new UnknownSelection("experiment '" + experiment + "' has no finished run of arm '" + arm + "'; its arms: "
          + String.join(", ", arms(db, id)));
    }
    return new Selection(asked, id, found.name(), arm, best, runs, curve(db, id, arm));
  }

  /** An experiment found in the history. */
  private record Found(String id, String name) {}

  /** The experiment with this id, else the latest experiment of this name; null when none. */
  private static Found experiment(Connection db, String idOrName) throws SQLException {
    try (PreparedStatement byId = db.prepareStatement("SELECT id, name FROM experiments WHERE id = ?")) {
      byId.setString(1, idOrName);
      try (ResultSet rs = byId.executeQuery()) {
        if (rs.next()) {
          return new Found(rs.getString(1), rs.getString(2));
        }
      }
    }
    try (PreparedStatement byName = db.prepareStatement(
        "SELECT id, name FROM experiments WHERE name = ? ORDER BY COALESCE(ended_at_ms, started_at_ms, updated_at_ms) DESC, id DESC")) {
      byName.setString(1, idOrName);
      byName.setMaxRows(1);
      try (ResultSet rs = byName.executeQuery()) {
        return rs.next() ? new Found(rs.getString(1), rs.getString(2)) : null;
      }
    }
  }

  private static String bestArm(Connection db, String experimentId) throws SQLException {
    try (PreparedStatement best = db.prepareStatement("SELECT arm, AVG(validation_accuracy) AS val, AVG(validation_nll) AS nll FROM runs"
        + " WHERE experiment_id = ? AND member = -1 AND state = 'finished' AND validation_accuracy IS NOT NULL"
        + " GROUP BY arm ORDER BY val DESC, nll ASC, arm ASC")) {
      best.setString(1, experimentId);
      best.setMaxRows(1);
      try (ResultSet rs = best.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  private static List<String> arms(Connection db, String experimentId) throws SQLException {
    List<String> arms = new ArrayList<>();
    try (PreparedStatement all = db.prepareStatement("SELECT DISTINCT arm FROM runs WHERE experiment_id = ? AND member = -1 ORDER BY arm")) {
      all.setString(1, experimentId);
      try (ResultSet rs = all.executeQuery()) {
        while (rs.next()) {
          arms.add(rs.getString(1));
        }
      }
    }
    return arms;
  }

  private static List<Run> runs(Connection db, String experimentId, String arm) throws SQLException {
    List<Run> runs = new ArrayList<>();
    try (PreparedStatement query = db.prepareStatement("SELECT seed, validation_accuracy, test_accuracy, test_nll, test_ece, epochs_run,"
        + " train_seconds, parameters, samples_per_second FROM runs WHERE experiment_id = ? AND arm = ? AND member = -1 AND state = 'finished'"
        + " ORDER BY seed")) {
      query.setString(1, experimentId);
      query.setString(2, arm);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          runs.add(new Run(rs.getLong(1), number(rs, 2), number(rs, 3), number(rs, 4), number(rs, 5), rs.getInt(6), number(rs, 7),
              rs.getLong(8), number(rs, 9)));
        }
      }
    }
    return runs;
  }

  /** Mean (and std) validation accuracy per epoch over the arm's finished seeds. */
  private static Map<Integer, Summary> curve(Connection db, String experimentId, String arm) throws SQLException {
    Map<Integer, List<Double>> byEpoch = new TreeMap<>();
    try (PreparedStatement query = db.prepareStatement("SELECT p.epoch, p.validation_accuracy FROM epochs p JOIN runs r"
        + " ON r.experiment_id = p.experiment_id AND r.arm = p.arm AND r.seed = p.seed AND r.member = p.member"
        + " WHERE p.experiment_id = ? AND p.arm = ? AND p.member = -1 AND r.state = 'finished' AND p.validation_accuracy IS NOT NULL"
        + " ORDER BY p.epoch")) {
      query.setString(1, experimentId);
      query.setString(2, arm);
      try (ResultSet rs = query.executeQuery()) {
        while (rs.next()) {
          byEpoch.computeIfAbsent(rs.getInt(1), e -> new ArrayList<>()).add(rs.getDouble(2));
        }
      }
    }
    Map<Integer, Summary> curve = new TreeMap<>();
    byEpoch.forEach((epoch, values) -> curve.put(epoch, Summary.of(values.stream().mapToDouble(Double::doubleValue).toArray())));
    return curve;
  }

  private static double number(ResultSet rs, int column) throws SQLException {
    double value = rs.getDouble(column);
    return rs.wasNull() ? Double.NaN : value;
  }

  private static Summary summary(Selection s, java.util.function.ToDoubleFunction<Run> metric) {
    return Summary.of(s.runs().stream().mapToDouble(metric).toArray());
  }

  /** The side-by-side table as Markdown, with the verdicts against the first selection. */
  public static String table(List<Selection> selections) {
    List<String> header = new ArrayList<>();
    header.add("metric");
    selections.forEach(s -> header.add("`" + s.experimentName() + ":" + s.arm() + "`"));
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("experiment id", selections, s -> s.experimentId()));
    rows.add(row("arm chosen", selections, s -> s.bestOnValidation() ? "best on validation" : "named"));
    rows.add(row("n (seeds)", selections, s -> String.valueOf(s.runs().size())));
    rows.add(row("validation acc %", selections, s -> summary(s, Run::validationAccuracy).formatPercent()));
    rows.add(row("test acc %", selections, s -> summary(s, Run::testAccuracy).formatPercent()));
    rows.add(row("test NLL", selections, s -> summary(s, Run::testNll).format(3)));
    rows.add(row("test ECE", selections, s -> summary(s, Run::testEce).format(3)));
    rows.add(row("epochs run", selections, s -> summary(s, Run::epochsRun).format(1)));
    rows.add(row("train s per run", selections, s -> summary(s, Run::trainSeconds).format(1)));
    rows.add(row("samples/s", selections, s -> String.format(Locale.ROOT, "%.0f", summary(s, Run::samplesPerSecond).mean())));
    rows.add(row("parameters", selections, s -> String.format(Locale.ROOT, "%,d", s.runs().get(0).parameters())));
    Selection first = selections.get(0);
    rows.add(row("Δ test acc vs first (points)", selections, s -> s == first ? "—" : difference(s, first)));
    rows.add(row("verdict", selections, s -> s == first ? "baseline" : verdict(s, first)));
    StringBuilder out = new StringBuilder("| " + String.join(" | ", header) + " |\n|" + " --- |".repeat(header.size()) + "\n");
    rows.forEach(r -> out.append("| ").append(String.join(" | ", r)).append(" |\n"));
    return out.toString();
  }

  private static List<String> row(String name, List<Selection> selections, java.util.function.Function<Selection, String> cell) {
    List<String> row = new ArrayList<>();
    row.add(name);
    selections.forEach(s -> row.add(cell.apply(s)));
    return row;
  }

  private static String difference(Selection s, Selection first) {
    Summary mine = summary(s, Run::testAccuracy);
    Summary theirs = summary(first, Run::testAccuracy);
    if (mine.n() == 0 || theirs.n() == 0) {
      return "—";
    }
    return String.format(Locale.ROOT, "%+.1f ± %.1f", (mine.mean() - theirs.mean()) * 100, pooled(mine, theirs) * 100);
  }

  /** Better, worse or on par on test accuracy: on par when the means differ by no more than one pooled std. */
  static String verdict(Selection s, Selection first) {
    Summary mine = summary(s, Run::testAccuracy);
    Summary theirs = summary(first, Run::testAccuracy);
    if (mine.n() == 0 || theirs.n() == 0) {
      return "no test results";
    }
    double diff = mine.mean() - theirs.mean();
    double pooled = pooled(mine, theirs);
    String caveat = mine.n() < 2 || theirs.n() < 2 ? " (one seed: no spread to judge by)" : "";
    if (Math.abs(diff) <= pooled) {
      return "on par" + caveat;
    }
    return (diff > 0 ? "better" : "worse") + " by " + String.format(Locale.ROOT, "%.1f", Math.abs(diff) * 100) + " points" + caveat;
  }

  private static double pooled(Summary a, Summary b) {
    return Math.sqrt((a.std() * a.std() + b.std() * b.std()) / 2);
  }

  /** Writes the overlaid validation-accuracy curves (mean over seeds per epoch) as an 800×500 PNG. */
  public static void chart(List<Selection> selections, Path file) {
    System.setProperty("java.awt.headless", "true");
    XYChart chart = new XYChartBuilder().width(800).height(500).title("Validation accuracy, mean over seeds")
        .xAxisTitle("epoch").yAxisTitle("validation accuracy (%)").build();
    chart.getStyler().setLegendPosition(LegendPosition.InsideSE).setMarkerSize(4);
    chart.getStyler().setXAxisDecimalPattern("#");
    Color[] colors = chart.getStyler().getSeriesColors();
    for (int i = 0; i < selections.size(); i++) {
      Selection s = selections.get(i);
      if (s.validationCurve().isEmpty()) {
        continue;
      }
      double[] x = s.validationCurve().keySet().stream().mapToDouble(Integer::doubleValue).toArray();
      double[] y = s.validationCurve().values().stream().mapToDouble(v -> v.mean() * 100).toArray();
      XYSeries series = chart.addSeries(s.experimentName() + ":" + s.arm() + " (" + (i + 1) + ")", x, y);
      series.setLineColor(colors[i % colors.length]);
      series.setMarkerColor(colors[i % colors.length]);
    }
    AtomicFiles.write(file, out -> BitmapEncoder.saveBitmap(chart, out, BitmapFormat.PNG));
  }
}
