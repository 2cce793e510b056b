package dev.mentor.training.history;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.run.RunExecutor;
import dev.mentor.training.run.RunPaths;
import dev.mentor.training.run.RunPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code mentor history rebuild}: the history of an output folder written again from its run
 * folders, the source of truth: each experiment from its {@code experiment.json}, each finished
 * run and ensemble member from its {@code results.json} (row, learning curve, events, as the live
 * writer records them), each unfinished one from its {@code metrics.csv}. Every write is an
 * upsert, so a rebuild over a live database adds what it lacks and duplicates nothing; it never
 * takes back a live experiment's state unless the folders show it finished. What the folders do
 * not keep is not rebuilt: the service's retry events, failure messages and start times.
 */
public final class HistoryRebuild {
  private static final ObjectMapper JSON = SpecReader.json();

  private HistoryRebuild() {}

  /** What a rebuild wrote, and the folders it could not read (with why). */
  public record Summary(int experiments, int runs, int epochs, List<String> skipped) {}

  /** Rebuilds every experiment folder of {@code outputRoot} into {@code store}, one transaction per experiment. */
  public static Summary rebuild(HistoryStore store, Path outputRoot) throws IOException, SQLException {
    int experiments = 0;
    int runs = 0;
    int epochs = 0;
    List<String> skipped = new ArrayList<>();
    if (!Files.isDirectory(outputRoot)) {
      throw new IOException("no output folder " + outputRoot);
    }
    List<Path> folders;
    try (var list = Files.list(outputRoot)) {
      folders = list.filter(d -> Files.isRegularFile(new RunPaths(d).spec())).sorted().toList();
    }
    for (Path folder : folders) {
      String specJson = Files.readString(new RunPaths(folder).spec());
      ExperimentSpec spec;
      try {
        spec = SpecReader.parse(specJson);
      } catch (SpecException e) {
        skipped.add(folder.getFileName() + ": its experiment.json is not a spec this version reads (" + e.getMessage() + ")");
        continue;
      }
      Rows rows = rows(spec, specJson, new RunPaths(folder));
      store.write(rows.writes);
      experiments++;
      runs += rows.runs;
      epochs += rows.epochs;
    }
    return new Summary(experiments, runs, epochs, skipped);
  }

  private record Rows(List<HistoryWrite> writes, int runs, int epochs) {}

  private static Rows rows(ExperimentSpec spec, String specJson, RunPaths paths) throws IOException {
    long now = System.currentTimeMillis();
    String digest = HistoryRecorder.digest(specJson);
    String id = HistoryRecorder.experimentId(spec.name(), digest);
    RunPlan plan = RunPlan.of(spec);
    List<HistoryWrite> runWrites = new ArrayList<>();
    int runs = 0;
    int epochs = 0;
    boolean allFinished = true;
    for (RunPlan.Task task : plan.runs()) {
      ArmSpec arm = spec.arm(task.arm());
      Path results = paths.results(task.arm(), task.seed());
      if (Files.exists(results)) {
        String json = Files.readString(results);
        RunRecord record = JSON.readValue(json, RunRecord.class);
        runWrites.add(HistoryRecorder.runFinished(id, spec, task, plan.role(task), record, json, HistoryRecorder.modified(results), now));
        if (record.ensemble() == null) {
          epochs += record.history() == null ? 0 : record.history().size();
        } else {
          List<HistoryWrite> members = HistoryRecorder.members(id, spec, paths, record, now);
          runWrites.addAll(members);
          runs += members.size();
          epochs += members.stream().mapToInt(w -> ((HistoryWrite.RunFinished) w).record().history().size()).sum();
        }
        runs++;
        continue;
      }
      allFinished = false;
      if (arm.ensemble() != null) {
        for (int m = 0; m < arm.ensemble().members(); m++) {
          RunPlan.Task member = new RunPlan.Task(task.arm(), task.seed(), m);
          Path memberResults = paths.member(task.arm(), task.seed(), m).resolve("results.json");
          if (Files.exists(memberResults)) {
            String json = Files.readString(memberResults);
            RunRecord record = JSON.readValue(json, RunRecord.class);
            runWrites.add(HistoryRecorder.runFinished(id, spec, member, plan.role(member), record, json, HistoryRecorder.modified(memberResults), now));
            epochs += record.history().size();
            runs++;
          } else {
            epochs += unfinished(runWrites, id, plan, member, arm, paths.member(task.arm(), task.seed(), m), now);
          }
        }
      }
      Path dir = paths.run(task.arm(), task.seed());
      if (Files.isDirectory(dir) && arm.ensemble() == null) {
        epochs += unfinished(runWrites, id, plan, task, arm, dir, now);
      }
    }
    Long started = HistoryRecorder.modified(paths.spec());
    Path report = paths.experimentDir().resolve("report.md");
    Long ended = allFinished && Files.exists(report) ? HistoryRecorder.modified(report) : null;
    List<HistoryWrite> writes = new ArrayList<>();
    writes.add(new HistoryWrite.Experiment(id, spec.name(), digest, specJson, paths.experimentDir().toAbsolutePath().toString(), null, null,
        allFinished ? "finished" : "incomplete", allFinished ? null : "rebuilt from the run folders: not every run has finished",
        spec.arms().size(), spec.seeds().size(), plan.runs().size(), started, started, ended, now, true));
    writes.addAll(runWrites);
    return new Rows(writes, runs, epochs);
  }

  /** A started run without a record: its row and the epochs of its {@code metrics.csv}; returns how many epochs. */
  private static int unfinished(List<HistoryWrite> writes, String id, RunPlan plan, RunPlan.Task task, ArmSpec arm, Path dir, long now)
      throws IOException {
    Path curve = dir.resolve("metrics.csv");
    List<EpochMetrics> rows = Files.exists(curve) ? readCurve(curve) : List.of();
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    writes.add(new HistoryWrite.RunStarted(id, task.arm(), task.seed(), task.member(), plan.role(task), RunExecutor.plannedEpochs(arm),
        HistoryRecorder.modified(dir) == null ? now : HistoryRecorder.modified(dir)));
    for (EpochMetrics row : rows) {
      writes.add(new HistoryWrite.Epoch(id, task.arm(), task.seed(), task.member(), row, now));
    }
    return rows.size();
  }

  /** A run's {@code metrics.csv} (see CurveFile) as epoch rows; a loss term's empty cell is left out. */
  static List<EpochMetrics> readCurve(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file);
    if (lines.isEmpty()) {
      return List.of();
    }
    String[] header = lines.get(0).split(",", -1);
    List<EpochMetrics> rows = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      Map<String, String> byName = new LinkedHashMap<>();
      for (int i = 0; i < header.length && i < cells.length; i++) {
        byName.put(header[i], cells[i]);
      }
      Map<String, Double> terms = new LinkedHashMap<>();
      byName.forEach((name, value) -> {
        if (name.startsWith("term:") && !value.isEmpty()) {
          terms.put(name.substring("term:".length()), Double.parseDouble(value));
        }
      });
      rows.add(new EpochMetrics(Integer.parseInt(byName.get("epoch")), byName.get("phase"), number(byName, "train_loss"),
          number(byName, "train_accuracy"), number(byName, "validation_loss"), number(byName, "validation_accuracy"),
          number(byName, "learning_rate"), number(byName, "samples_per_second"), number(byName, "seconds"), terms));
    }
    return rows;
  }

  private static double number(Map<String, String> cells, String column) {
    String value = cells.get(column);
    return value == null || value.isEmpty() ? Double.NaN : Double.parseDouble(value);
  }
}
