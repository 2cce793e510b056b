package dev.mentor.training.history;

import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * One change to the history database, as an upsert on its table's primary key (docs/history.md):
 * written twice, or by a rebuild after the live writer, it leaves the same rows. The SQL is the
 * subset SQLite and PostgreSQL share ({@code INSERT ... ON CONFLICT ... DO UPDATE}).
 */
public sealed interface HistoryWrite {
  /** Applies the change on {@code connection}, inside the caller's transaction. */
  void apply(Connection connection) throws SQLException;

  /** An experiment's row: its spec, where it runs, its state. */
  record Experiment(String id, String name, String specDigest, String spec, String outputDir, String host, String jobId, String state,
      String message, int arms, int seeds, int runsPlanned, Long submittedAt, Long startedAt, Long endedAt, long at, boolean rebuilt)
      implements HistoryWrite {
    @Override
    public void apply(Connection connection) throws SQLException {
      // A rebuild fills in what is missing and never takes back a live state (a service may be running the experiment)
      // unless the folders show it finished; a live write says what the experiment does now.
      String stateSql = rebuilt ? "CASE WHEN excluded.state = 'finished' THEN excluded.state ELSE experiments.state END" : "excluded.state";
      String messageSql = rebuilt ? "COALESCE(experiments.message, excluded.message)" : "excluded.message";
      String endedSql = rebuilt ? "COALESCE(experiments.ended_at_ms, excluded.ended_at_ms)" : "excluded.ended_at_ms";
      execute(connection, "INSERT INTO experiments (id, name, spec_digest, spec, output_dir, host, job_id, state, message, arms, seeds, runs_planned,"
          + " submitted_at_ms, started_at_ms, ended_at_ms, updated_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (id) DO UPDATE SET output_dir = excluded.output_dir, host = COALESCE(excluded.host, experiments.host),"
          + " job_id = COALESCE(excluded.job_id, experiments.job_id), state = " + stateSql + ", message = " + messageSql + ","
          + " submitted_at_ms = COALESCE(experiments.submitted_at_ms, excluded.submitted_at_ms),"
          + " started_at_ms = COALESCE(experiments.started_at_ms, excluded.started_at_ms), ended_at_ms = " + endedSql + ","
          + " updated_at_ms = excluded.updated_at_ms",
          id, name, specDigest, spec, outputDir, host, jobId, state(), message(), arms, seeds, runsPlanned, submittedAt, startedAt, endedAt, at);
    }
  }

  /** An experiment's state changed (paused, resumed, ended); {@code endedAt} null while it goes on. */
  record ExperimentState(String id, String state, String message, Long endedAt, long at) implements HistoryWrite {
    @Override
    public void apply(Connection connection) throws SQLException {
      execute(connection, "UPDATE experiments SET state = ?, message = COALESCE(CAST(? AS TEXT), message), ended_at_ms = ?, updated_at_ms = ? WHERE id = ?",
          state, message, endedAt, at, id);
    }
  }

  /** A run (or ensemble member, {@code member} ≥ 0) started or resumed. */
  record RunStarted(String experimentId, String arm, long seed, int member, String role, int epochsPlanned, long at) implements HistoryWrite {
    @Override
    public void apply(Connection connection) throws SQLException {
      execute(connection, "INSERT INTO runs (experiment_id, arm, seed, member, role, state, epochs_planned, started_at_ms, updated_at_ms)"
          + " VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?) ON CONFLICT (experiment_id, arm, seed, member) DO UPDATE SET"
          + " state = CASE WHEN runs.state = 'finished' THEN runs.state ELSE 'running' END, message = NULL,"
          + " epochs_planned = excluded.epochs_planned, started_at_ms = COALESCE(runs.started_at_ms, excluded.started_at_ms),"
          + " updated_at_ms = excluded.updated_at_ms",
          experimentId, arm, seed, member, role, epochsPlanned, at, at);
    }
  }

  /**
   * A run finished with {@code record} (its {@code results.json}, whole, in {@code recordJson}); an
   * ensemble member's record carries the member's own seed, the row the seed of its run.
   * {@code epochs}: whether its learning curve is its own (an ensemble's record carries member 0's,
   * which the member's own rows hold).
   */
  record RunFinished(String experimentId, String arm, long seed, int member, String role, RunRecord record, String recordJson, String sweep, Long endedAt, long at,
      boolean epochs) implements HistoryWrite {
    @Override
    public void apply(Connection connection) throws SQLException {
      EvalMetrics validation = record.validation();
      EvalMetrics test = record.test();
      execute(connection, "INSERT INTO runs (experiment_id, arm, seed, member, role, state, message, task, strategy, model, teacher, parameters,"
          + " trainable_parameters, epochs_planned, epochs_run, selected_epoch, selection, train_seconds, samples_per_second,"
          + " validation_accuracy, validation_nll, validation_ece, test_accuracy, test_nll, test_ece, record, sweep, started_at_ms, ended_at_ms,"
          + " updated_at_ms) VALUES (?, ?, ?, ?, ?, 'finished', NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)"
          + " ON CONFLICT (experiment_id, arm, seed, member) DO UPDATE SET role = excluded.role, state = 'finished', message = NULL,"
          + " task = excluded.task, strategy = excluded.strategy, model = excluded.model, teacher = excluded.teacher,"
          + " parameters = excluded.parameters, trainable_parameters = excluded.trainable_parameters, epochs_planned = excluded.epochs_planned,"
          + " epochs_run = excluded.epochs_run, selected_epoch = excluded.selected_epoch, selection = excluded.selection,"
          + " train_seconds = excluded.train_seconds, samples_per_second = excluded.samples_per_second,"
          + " validation_accuracy = excluded.validation_accuracy, validation_nll = excluded.validation_nll,"
          + " validation_ece = excluded.validation_ece, test_accuracy = excluded.test_accuracy, test_nll = excluded.test_nll,"
          + " test_ece = excluded.test_ece, record = excluded.record, sweep = COALESCE(excluded.sweep, runs.sweep),"
          + " ended_at_ms = COALESCE(runs.ended_at_ms, excluded.ended_at_ms), updated_at_ms = excluded.updated_at_ms",
          experimentId, arm, seed, member, role, record.task(), record.strategy(), record.model(), record.teacher(),
          record.parameters(), record.trainableParameters(), record.epochsPlanned(), record.epochsRun(), record.selectedEpoch(),
          record.selection(), record.trainSeconds(), record.samplesPerSecond(), validation == null ? null : validation.accuracy(),
          validation == null ? null : validation.nll(), validation == null ? null : validation.ece(), test == null ? null : test.accuracy(),
          test == null ? null : test.nll(), test == null ? null : test.ece(), recordJson, sweep, endedAt, at);
      if (epochs && record.history() != null) {
        for (EpochMetrics row : record.history()) {
          new Epoch(experimentId, arm, seed, member, row, at).apply(connection);
        }
      }
      if (record.events() != null) {
        for (RunEvent event : record.events()) {
          new Event(experimentId, arm, seed, member, event, at).apply(connection);
        }
      }
    }
  }

  /** A run failed for good (no restart left, or it diverged). A finished run stays finished. */
  record RunFailed(String experimentId, String arm, long seed, int member, String role, String message, long at) implements HistoryWrite {
    @Override
    public void apply(Connection connection) throws SQLException {
      execute(connection, "INSERT INTO runs (experiment_id, arm, seed, member, role, state, message, updated_at_ms) VALUES (?, ?, ?, ?, ?, 'failed', ?, ?)"
          + " ON CONFLICT (experiment_id, arm, seed, member) DO UPDATE SET"
          + " state = CASE WHEN runs.state = 'finished' THEN runs.state ELSE 'failed' END, message = excluded.message,"
          + " updated_at_ms = excluded.updated_at_ms",
          experimentId, arm, seed, member, role, message, at);
    }
  }

  /** One epoch of a run's learning curve; a repeated epoch (a resumed run) replaces the row. */
  record Epoch(String experimentId, String arm, long seed, int member, EpochMetrics metrics, long at) implements HistoryWrite {
    @Override
    public void apply(Connection connection) throws SQLException {
      execute(connection, "INSERT INTO epochs (experiment_id, arm, seed, member, epoch, phase, train_loss, train_accuracy, validation_loss,"
          + " validation_accuracy, learning_rate, samples_per_second, seconds, terms, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (experiment_id, arm, seed, member, epoch) DO UPDATE SET phase = excluded.phase, train_loss = excluded.train_loss,"
          + " train_accuracy = excluded.train_accuracy, validation_loss = excluded.validation_loss,"
          + " validation_accuracy = excluded.validation_accuracy, learning_rate = excluded.learning_rate,"
          + " samples_per_second = excluded.samples_per_second, seconds = excluded.seconds, terms = excluded.terms",
          experimentId, arm, seed, member, metrics.epoch(), metrics.phase(), metrics.trainLoss(), metrics.trainAccuracy(), metrics.validationLoss(),
          metrics.validationAccuracy(), metrics.learningRate(), metrics.samplesPerSecond(), metrics.seconds(),
          metrics.terms().isEmpty() ? null : SpecReader.toJson(metrics.terms()), at);
    }
  }

  /** Something that happened in a run at an epoch; the same event twice is one row. */
  record Event(String experimentId, String arm, long seed, int member, RunEvent event, long at) implements HistoryWrite {
    /** The longest message kept (the column's size); longer ones are cut. */
    static final int MAX_MESSAGE = 2000;

    @Override
    public void apply(Connection connection) throws SQLException {
      String message = event.message() == null ? "" : event.message();
      execute(connection, "INSERT INTO events (experiment_id, arm, seed, member, epoch, kind, message, recorded_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
          + " ON CONFLICT (experiment_id, arm, seed, member, epoch, kind, message) DO NOTHING",
          experimentId, arm, seed, member, event.epoch(), event.kind(),
          message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message, at);
    }
  }

  /**
   * Writes worked out on the writer's thread rather than the training thread that asked for them
   * (reading an ensemble's member records from their folders).
   */
  record Later(Callable<List<HistoryWrite>> writes) implements HistoryWrite {
    @Override
    public void apply(Connection connection) throws SQLException {
      List<HistoryWrite> resolved;
      try {
        resolved = writes.call();
      } catch (SQLException e) {
        throw e;
      } catch (Exception e) {
        // SQL state 22 (data): trying again would not help; the writer leaves it out.
        throw new SQLException("could not work out the rows to write: " + e.getMessage(), "22000", e);
      }
      for (HistoryWrite write : resolved) {
        write.apply(connection);
      }
    }
  }

  /** Runs {@code sql} with {@code values} bound in order: null as SQL NULL, a non-finite double as NULL too. */
  private static void execute(Connection connection, String sql, Object... values) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      for (int i = 0; i < values.length; i++) {
        bind(statement, i + 1, values[i]);
      }
      statement.executeUpdate();
    }
  }

  private static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
    if (value == null) {
      statement.setNull(index, Types.NULL);
    } else if (value instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        statement.setNull(index, Types.DOUBLE);
      } else {
        statement.setDouble(index, d);
      }
    } else if (value instanceof Long l) {
      statement.setLong(index, l);
    } else if (value instanceof Integer i) {
      statement.setInt(index, i);
    } else {
      statement.setString(index, value.toString());
    }
  }
}
