package dev.mentor.training.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.SweepPoint;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunListener;
import dev.mentor.training.run.RunPaths;
import dev.mentor.training.run.RunPlan;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Records one experiment in the history as it runs: a {@link RunListener} that turns what the
 * runs report (a run started, an epoch, an event, a record) into {@link HistoryWrite}s for a
 * {@link HistoryWriter}, plus the experiment's own steps (started, paused, ended) told by whoever
 * runs it: {@link dev.mentor.training.run.ExperimentRunner} in-process, the experiment's
 * supervisor in the service. Every call only queues a write, so a training thread never waits.
 *
 * <p>A finished run's record also brings the run's whole learning curve and events (the ones
 * heard live are the same rows): a database that missed a run's epochs (it was away, or added
 * later) is complete again once the run finishes or is read from the cache.
 */
public final class HistoryRecorder implements RunListener {
  private static final ObjectMapper JSON = SpecReader.json();

  private final HistoryWriter writer;
  private final ExperimentSpec spec;
  private final String specJson;
  private final String id;
  private final String digest;
  private final RunPaths paths;
  private final RunPlan plan;
  private final String jobId;

  /** {@code jobId}: the service's job id, null in-process. */
  public HistoryRecorder(HistoryWriter writer, ExperimentSpec spec, RunPaths paths, RunPlan plan, String jobId) {
    this.writer = writer;
    this.spec = spec;
    this.specJson = SpecReader.toJson(spec);
    this.digest = digest(specJson);
    this.id = experimentId(spec.name(), digest);
    this.paths = paths;
    this.plan = plan;
    this.jobId = jobId;
  }

  /**
   * Runs {@code runner}'s experiment in this process as {@link ExperimentRunner#run} does, recording
   * it in {@code history}: its spec and state, and every run's epochs, events and record as they
   * happen. An experiment that fails validation leaves no row; one that fails later ends {@code failed}.
   */
  public static List<RunRecord> run(ExperimentRunner runner, RunListener listener, HistoryWriter history) throws IOException {
    if (!runner.isValidated()) {
      runner.validate();
    }
    HistoryRecorder recorder = new HistoryRecorder(history, runner.spec(), runner.paths(), runner.plan(), null);
    recorder.experimentState("running");
    try {
      List<RunRecord> records = runner.run(RunListener.all(listener, recorder));
      recorder.experimentEnded("finished", records.size() + " runs; report: " + runner.paths().experimentDir().resolve("report.md"));
      return records;
    } catch (IOException | RuntimeException | Error e) {
      recorder.experimentEnded("failed", e.getClass().getSimpleName() + ": " + e.getMessage());
      throw e;
    }
  }

  /** The SHA-256 of a resolved spec's text (as {@code experiment.json} holds it), in hex. */
  public static String digest(String specJson) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(specJson.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /** An experiment's id in the history: its name and the first 12 hex digits of its spec's digest. */
  public static String experimentId(String name, String specDigest) {
    return name + "@" + specDigest.substring(0, 12);
  }

  /** This experiment's id in the history. */
  public String experimentId() {
    return id;
  }

  /** The experiment is queued, running or paused now; records its spec and where its folder is. */
  public void experimentState(String state) {
    long now = System.currentTimeMillis();
    writer.submit(new HistoryWrite.Experiment(id, spec.name(), digest, specJson, paths.experimentDir().toAbsolutePath().toString(), host(), jobId,
        state, null, spec.arms().size(), spec.seeds().size(), plan.runs().size(), now, "queued".equals(state) ? null : now, null, now, false));
  }

  /** The experiment paused or resumed, without writing its spec again. */
  public void experimentChanged(String state) {
    writer.submit(new HistoryWrite.ExperimentState(id, state, null, null, System.currentTimeMillis()));
  }

  /** The experiment ended: {@code finished}, {@code failed}, {@code cancelled}, or {@code stopped} (it resumes later). */
  public void experimentEnded(String state, String message) {
    long now = System.currentTimeMillis();
    writer.submit(new HistoryWrite.ExperimentState(id, state, message, "stopped".equals(state) ? null : now, now));
  }

  /** The service gave up on a run (or member): it failed for good, or a run it needs did. */
  public void runFailed(RunPlan.Task task, String reason) {
    writer.submit(new HistoryWrite.RunFailed(id, task.arm(), task.seed(), task.member(), plan.role(task), reason, System.currentTimeMillis()));
  }

  /** Something the service did to a run that its folder does not keep (a retry after a failure). */
  public void serviceEvent(RunPlan.Task task, String kind, String message) {
    writer.submit(new HistoryWrite.Event(id, task.arm(), task.seed(), task.member(), new RunEvent(0, kind, message), System.currentTimeMillis()));
  }

  @Override
  public void runStarted(String label, long seed, int epochsPlanned, boolean resumed) {
    RunPlan.Task task = task(label, seed);
    writer.submit(new HistoryWrite.RunStarted(id, task.arm(), seed, task.member(), plan.role(task), epochsPlanned, System.currentTimeMillis()));
  }

  @Override
  public void epochFinished(String label, long seed, EpochMetrics metrics) {
    RunPlan.Task task = task(label, seed);
    writer.submit(new HistoryWrite.Epoch(id, task.arm(), seed, task.member(), metrics, System.currentTimeMillis()));
  }

  @Override
  public void runEvent(String label, long seed, RunEvent event) {
    RunPlan.Task task = task(label, seed);
    writer.submit(new HistoryWrite.Event(id, task.arm(), seed, task.member(), event, System.currentTimeMillis()));
  }

  @Override
  public void runFinished(RunRecord record, boolean fromCache) {
    long now = System.currentTimeMillis();
    Path results = paths.results(record.arm(), record.seed());
    // Serialised and read on the writer's thread: the training thread only queues.
    writer.submit(new HistoryWrite.Later(() -> {
      List<HistoryWrite> writes = new ArrayList<>();
      RunPlan.Task task = RunPlan.Task.run(record.arm(), record.seed());
      writes.add(runFinished(id, spec, task, plan.role(task), record, SpecReader.toJson(record), fromCache ? modified(results) : now, now));
      if (record.ensemble() != null) {
        writes.addAll(members(id, spec, paths, record, now));
      }
      return writes;
    }));
  }

  /**
   * The write of a finished run (or member): its row with the arm's sweep coordinates from
   * {@code spec} (null outside sweeps), and its curve unless it is an ensemble's (its members' curves are theirs).
   */
  static HistoryWrite runFinished(String id, ExperimentSpec spec, RunPlan.Task task, String role, RunRecord record, String json, Long endedAt,
      long now) {
    return new HistoryWrite.RunFinished(id, task.arm(), task.seed(), task.member(), role, record, json, sweep(spec, task.arm()), endedAt, now,
        record.ensemble() == null);
  }

  /** The arm's sweep coordinates as a JSON object ({@code {"distill.temperature": 4, ...}}); null for a hand-written arm. */
  static String sweep(ExperimentSpec spec, String arm) {
    SweepPoint point = spec.arms().stream().filter(a -> a.name().equals(arm)).findFirst().map(ArmSpec::sweepPoint).orElse(null);
    return point == null ? null : point.values().toString();
  }

  /** The finished members of an ensemble run, read from their folders. */
  static List<HistoryWrite> members(String id, ExperimentSpec spec, RunPaths paths, RunRecord ensemble, long now) throws IOException {
    List<HistoryWrite> writes = new ArrayList<>();
    for (int m = 0; m < ensemble.ensemble().members(); m++) {
      Path file = paths.member(ensemble.arm(), ensemble.seed(), m).resolve("results.json");
      if (Files.exists(file)) {
        String json = Files.readString(file);
        writes.add(runFinished(id, spec, new RunPlan.Task(ensemble.arm(), ensemble.seed(), m), "ensemble-member", JSON.readValue(json, RunRecord.class),
            json, modified(file), now));
      }
    }
    return writes;
  }

  static Long modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return null;
    }
  }

  /** The task a listener's run label names: {@code arm}, or {@code arm/member-m} for an ensemble's member. */
  static RunPlan.Task task(String label, long seed) {
    int slash = label.lastIndexOf("/member-");
    if (slash < 0) {
      return RunPlan.Task.run(label, seed);
    }
    return new RunPlan.Task(label.substring(0, slash), seed, Integer.parseInt(label.substring(slash + "/member-".length())));
  }

  private static String host() {
    return Host.NAME;
  }

  /** The machine's name, looked up once (it may ask the resolver). */
  private static final class Host {
    static final String NAME = lookUp();

    private static String lookUp() {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return null;
      }
    }
  }
}
