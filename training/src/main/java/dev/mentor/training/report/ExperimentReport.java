package dev.mentor.training.report;

import dev.mentor.training.distill.DarkKnowledge;
import dev.mentor.training.eval.GenerationEnsemble;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an experiment's report: {@code report.md} with one table per task (every arm as mean ± std
 * over seeds with its learning rate, init, budget and shifted-test accuracies), preceded by a line
 * on the data its runs were trained on (source and digest, split sizes, training-id digests, overlap
 * with other tasks' validation samples, from the records' provenance), findings computed
 * from those numbers (fine-tuning against the linear probe with the same init, transfer against
 * scratch, students against their scratch baseline, the best arm, the logistic-regression
 * baseline), notable run events, the task's distillation students (loss convention, teacher,
 * gain over scratch paired by seed, loss terms, and the dark knowledge of the teachers they learn from) and ensembles (metrics by size against the average
 * member, uncertainty and AUROC per shift), what teachers, students and ensembles cost to deploy,
 * what fine-tuned variants cost on disk as deltas to their base where measured ({@link DeltaMeasurement}),
 * and a table of all runs; and learning-curve PNGs under {@code charts/}. Arms are grouped by the
 * task their records name, tasks and arms in spec order; every file is replaced atomically, so a
 * reader never sees a half-written report.
 */
public final class ExperimentReport {
  private ExperimentReport() {}

  /**
   * Writes {@code experimentDir/report.md} and its charts and returns the report's path.
   *
   * @param machine the CPU or GPU, thread count and library versions the runs used
   * @throws UncheckedIOException if a file cannot be written
   */
  public static Path write(Path experimentDir, ExperimentSpec spec, List<RunRecord> records, String machine) {
    return write(experimentDir, spec, records, machine, Map.of());
  }

  /**
   * Writes the report with, next to each task's students, the dark-knowledge view of every teacher
   * arm they learn from ({@code teacherViews}: per teacher arm, the views its runs wrote, one per seed).
   */
  public static Path write(Path experimentDir, ExperimentSpec spec, List<RunRecord> records, String machine,
      Map<String, List<DarkKnowledge>> teacherViews) {
    return write(experimentDir, spec, records, machine, teacherViews, Map.of());
  }

  /**
   * As {@link #write(Path, ExperimentSpec, List, String, Map)}, with the born-again
   * network ensembles by the arm of their last generation ({@code generationEnsembles}).
   */
  public static Path write(Path experimentDir, ExperimentSpec spec, List<RunRecord> records, String machine,
      Map<String, List<DarkKnowledge>> teacherViews, Map<String, List<GenerationEnsemble>> generationEnsembles) {
    createDirectories(experimentDir.resolve(LearningCurveCharts.FOLDER));
    Map<String, List<ArmResults>> tasks = byTask(spec, records);
    Map<String, List<LearningCurveCharts.Link>> charts = new LinkedHashMap<>();
    tasks.forEach((task, arms) -> charts.put(task, LearningCurveCharts.write(experimentDir, task, arms)));
    Map<String, String> sweeps = new LinkedHashMap<>();
    tasks.forEach((task, arms) -> sweeps.put(task, SweepSection.render(experimentDir, task, arms)
        + SelfDistillationSection.render(experimentDir, task, arms, generationEnsembles)));
    Map<String, String> teachers = new LinkedHashMap<>();
    tasks.forEach((task, arms) -> teachers.put(task, DarkKnowledgeSection.render(experimentDir, task, arms, teacherViews)));
    String markdown = new ReportMarkdown(spec, machine, tasks, charts, sweeps, teachers,
        DeltaSection.render(spec, DeltaSection.read(experimentDir))).render(leftOut(spec, records));
    Path report = experimentDir.resolve("report.md");
    AtomicFiles.write(report, out -> out.write(markdown.getBytes(StandardCharsets.UTF_8)));
    return report;
  }

  /** Tasks in spec order, each with its arms in spec order; tasks and arms without records are left out. */
  private static Map<String, List<ArmResults>> byTask(ExperimentSpec spec, List<RunRecord> records) {
    Map<String, List<ArmResults>> tasks = new LinkedHashMap<>();
    for (String task : spec.tasks().keySet()) {
      List<ArmResults> arms = new ArrayList<>();
      for (ArmSpec arm : spec.arms()) {
        List<RunRecord> runs = records.stream().filter(r -> task.equals(r.task()) && arm.name().equals(r.arm())).toList();
        if (!runs.isEmpty()) {
          arms.add(new ArmResults(arm, runs));
        }
      }
      if (!arms.isEmpty()) {
        tasks.put(task, arms);
      }
    }
    return tasks;
  }

  private static List<RunRecord> leftOut(ExperimentSpec spec, List<RunRecord> records) {
    return records.stream()
        .filter(r -> !spec.tasks().containsKey(r.task()) || spec.arms().stream().noneMatch(a -> a.name().equals(r.arm())))
        .toList();
  }

  private static void createDirectories(Path folder) {
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + folder, e);
    }
  }
}
