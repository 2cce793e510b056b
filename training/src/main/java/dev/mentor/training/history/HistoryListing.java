package dev.mentor.training.history;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code mentor history} lists: the latest experiments with their state, runs and best arm.
 * The best arm is the one with the highest mean validation accuracy over its finished seeds (ties:
 * the lower mean validation NLL), never chosen by test metrics; its mean test accuracy is shown
 * beside it. Ensemble members do not compete with arms.
 */
public final class HistoryListing {
  private HistoryListing() {}

  /** One experiment: its runs of arms at seeds ({@code member = -1}) counted by state; best arm null before any finished. */
  public record Experiment(String id, String name, String state, int arms, int seeds, int runsPlanned, int runsFinished, int runsFailed,
      String bestArm, Double bestValidationAccuracy, Double bestTestAccuracy, Long startedAtMs, Long endedAtMs, long updatedAtMs, String host,
      String outputDir) {}

  /** The {@code limit} experiments started (or submitted, or written) last, newest first. */
  public static List<Experiment> latest(HistoryStore store, int limit) throws SQLException {
    try (Connection c = store.readOnlyConnection()) {
      Map<String, Best> best = best(c);
      List<Experiment> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement("SELECT e.id, e.name, e.state, e.arms, e.seeds, e.runs_planned,"
          + " (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id AND r.member = -1 AND r.state = 'finished') AS finished,"
          + " (SELECT COUNT(*) FROM runs r WHERE r.experiment_id = e.id AND r.member = -1 AND r.state = 'failed') AS failed,"
          + " e.started_at_ms, e.ended_at_ms, e.updated_at_ms, e.host, e.output_dir FROM experiments e"
          + " ORDER BY COALESCE(e.started_at_ms, e.submitted_at_ms, e.updated_at_ms) DESC, e.id LIMIT ?")) {
        s.setInt(1, limit);
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) {
            Best b = best.get(r.getString("id"));
            out.add(new Experiment(r.getString("id"), r.getString("name"), r.getString("state"), r.getInt("arms"), r.getInt("seeds"),
                r.getInt("runs_planned"), r.getInt("finished"), r.getInt("failed"), b == null ? null : b.arm, b == null ? null : b.validation,
                b == null ? null : b.test, (Long) nullableLong(r, "started_at_ms"), (Long) nullableLong(r, "ended_at_ms"), r.getLong("updated_at_ms"),
                r.getString("host"), r.getString("output_dir")));
          }
        }
      } finally {
        if (!c.getAutoCommit()) {
          c.rollback();
        }
      }
      return out;
    }
  }

  private record Best(String arm, double validation, double nll, Double test) {}

  private static Map<String, Best> best(Connection c) throws SQLException {
    Map<String, Best> best = new HashMap<>();
    try (PreparedStatement s = c.prepareStatement("SELECT experiment_id, arm, AVG(validation_accuracy) AS val, AVG(validation_nll) AS nll,"
        + " AVG(test_accuracy) AS test FROM runs WHERE member = -1 AND state = 'finished' AND validation_accuracy IS NOT NULL"
        + " GROUP BY experiment_id, arm"); ResultSet r = s.executeQuery()) {
      while (r.next()) {
        Double nll = (Double) nullableDouble(r, "nll");
        Best candidate = new Best(r.getString("arm"), r.getDouble("val"), nll == null ? Double.POSITIVE_INFINITY : nll,
            (Double) nullableDouble(r, "test"));
        best.merge(r.getString("experiment_id"), candidate, (a, b) -> b.validation > a.validation
            || b.validation == a.validation && b.nll < a.nll ? b : a);
      }
    }
    return best;
  }

  private static Object nullableLong(ResultSet r, String column) throws SQLException {
    long value = r.getLong(column);
    return r.wasNull() ? null : value;
  }

  private static Object nullableDouble(ResultSet r, String column) throws SQLException {
    double value = r.getDouble(column);
    return r.wasNull() ? null : value;
  }
}
