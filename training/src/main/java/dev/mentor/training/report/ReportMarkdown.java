package dev.mentor.training.report;

import dev.mentor.messages.record.DataProvenance;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.ShiftSpec;
import dev.mentor.messages.spec.TaskSpec;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Renders report.md: the experiment's header and conventions, one section per task (table,
 * findings, events, charts, and its distillation students and ensembles where it has them), the
 * deployment cost of teachers, students and ensembles, the fine-tuned variants' storage as deltas,
 * and a table of every run. Everything
 * printed is computed from the spec and the run records handed in.
 */
final class ReportMarkdown {
  private static final Set<String> LISTED_EVENTS = Set.of("overfitting", "note");

  private final ExperimentSpec spec;
  private final String machine;
  private final Map<String, List<ArmResults>> tasks;
  private final Map<String, List<LearningCurveCharts.Link>> charts;
  private final Map<String, String> sweeps;
  private final Map<String, String> teachers;
  private final String deltas;

  /**
   * {@code sweeps}: each task's sweep section ({@link SweepSection}), empty where the task has no
   * sweep; {@code teachers}: each task's dark-knowledge views of its students' teachers
   * ({@link DarkKnowledgeSection}), empty where it has none; {@code deltas}: the fine-tuned
   * variants' storage as deltas ({@link DeltaSection}), empty without measurements.
   */
  ReportMarkdown(ExperimentSpec spec, String machine, Map<String, List<ArmResults>> tasks,
      Map<String, List<LearningCurveCharts.Link>> charts, Map<String, String> sweeps, Map<String, String> teachers, String deltas) {
    this.spec = spec;
    this.machine = machine;
    this.tasks = tasks;
    this.charts = charts;
    this.sweeps = sweeps;
    this.teachers = teachers;
    this.deltas = deltas;
  }

  /** The report; {@code leftOut} lists records that match no arm and task of the spec. */
  String render(List<RunRecord> leftOut) {
    StringBuilder out = new StringBuilder();
    out.append(header(leftOut)).append(conventions());
    tasks.forEach((task, arms) -> out.append(taskSection(task, arms)));
    out.append(CompressionSection.render(spec, allArms().toList()));
    out.append(deltas);
    out.append(runs());
    return out.toString();
  }

  private String header(List<RunRecord> leftOut) {
    StringBuilder out = new StringBuilder("# Experiment `" + spec.name() + "`\n\n");
    if (!spec.description().isBlank()) {
      out.append(spec.description().strip()).append("\n\n");
    }
    out.append("- Seeds: ").append(spec.seeds().stream().map(String::valueOf).collect(Collectors.joining(", ")))
        .append(" (n = ").append(spec.seeds().size()).append(")\n");
    out.append("- Data: ").append(spec.data().source()).append('\n');
    out.append("- Machine: ").append(machine).append('\n');
    out.append("- Runs reported: ").append(allArms().mapToInt(a -> a.runs().size()).sum()).append('\n');
    String missing = spec.arms().stream().map(ArmSpec::name)
        .filter(name -> allArms().noneMatch(a -> a.name().equals(name))).map(n -> "`" + n + "`").collect(Collectors.joining(", "));
    if (!missing.isEmpty()) {
      out.append("- Arms without results: ").append(missing).append('\n');
    }
    if (!leftOut.isEmpty()) {
      out.append("- Left out, no such arm or task in the spec: ").append(leftOut.stream()
          .map(r -> "`" + r.arm() + "` (task `" + r.task() + "`, seed " + r.seed() + ")").collect(Collectors.joining(", "))).append('\n');
    }
    return out.append('\n').toString();
  }

  private String conventions() {
    return "## Conventions\n\n"
        + "Numbers are mean ± sample standard deviation (divisor n − 1) over seeds; n is the number of runs behind a row,"
        + " and a cell that summarises fewer runs (a metric missing or not finite) says \"(n=k)\". Accuracy is in %."
        + " NLL is the mean negative log-likelihood of the true class in nats per sample. ECE uses 15 equal-width"
        + " confidence bins, weighted by bin size. Test and shifted-test numbers are at the epoch given by each run's"
        + " selection: " + selectionRules() + ". Training loss and accuracy are averaged over each epoch's batches as"
        + " trained (dropout and augmentation on); validation numbers come from a separate pass in inference mode."
        + " Two means within one pooled standard deviation of each other are called \"on par\".\n\n";
  }

  private String selectionRules() {
    Map<String, Long> rules = allArms().flatMap(a -> a.runs().stream())
        .collect(Collectors.groupingBy(r -> rule(r.selection()), LinkedHashMap::new, Collectors.counting()));
    if (rules.isEmpty()) {
      return "no runs yet";
    }
    String listed = rules.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + " runs)").collect(Collectors.joining("; "));
    boolean best = rules.keySet().stream().anyMatch(r -> r.contains("best"));
    return listed + (best ? "; a best epoch is chosen on validation data, never on test data" : "");
  }

  /** A selection without its epoch number, e.g. "best validation epoch by loss" or "last epoch". */
  private static String rule(String selection) {
    return selection == null ? "not recorded" : selection.replaceAll("\\s*\\d+", "").strip();
  }

  private String taskSection(String task, List<ArmResults> arms) {
    StringBuilder out = new StringBuilder("## Task `" + task + "`\n\n");
    out.append(describe(spec.tasks().get(task))).append("\n\n");
    out.append(provenance(task, arms));
    out.append(taskTable(arms)).append('\n');
    out.append("Findings:\n\n");
    Findings.of(arms).forEach(line -> out.append("- ").append(line).append('\n'));
    out.append('\n').append(events(arms));
    List<LearningCurveCharts.Link> links = charts.getOrDefault(task, List.of());
    if (links.isEmpty()) {
      out.append("No learning curves were recorded for this task.\n\n");
    }
    links.forEach(link -> out.append("![").append(link.title()).append("](").append(link.path()).append(")\n\n"));
    out.append(sweeps.getOrDefault(task, ""));
    out.append(DistillationSection.render(arms));
    out.append(teachers.getOrDefault(task, ""));
    out.append(EnsembleSection.render(spec.tasks().get(task), arms));
    return out.toString();
  }

  private static String describe(TaskSpec task) {
    List<String> parts = new ArrayList<>();
    parts.add("Classes " + task.classes().stream().map(String::valueOf).collect(Collectors.joining(", ")));
    parts.add(task.perClass() == null ? "all training samples" : task.perClass() + " training samples per class");
    if (task.shift() != null) {
      parts.add("every split shifted by " + task.shift().label());
    }
    if (!task.ood().isEmpty()) {
      parts.add("out-of-distribution test sets: " + task.ood().stream().map(ShiftSpec::label).collect(Collectors.joining(", ")));
    }
    return String.join("; ", parts) + ".";
  }

  /**
   * One line on what the task's runs were trained on, from their records' provenance: the data and
   * its digest, the split sizes, the training samples' id digest per seed, and how many training
   * samples are other tasks' validation samples (the most at any seed). Empty when no record has provenance.
   */
  private static String provenance(String task, List<ArmResults> arms) {
    List<RunRecord> runs = arms.stream().flatMap(a -> a.runs().stream()).filter(r -> r.provenance() != null).toList();
    if (runs.isEmpty()) {
      return "";
    }
    DataProvenance first = runs.get(0).provenance();
    Map<Long, String> ids = new TreeMap<>();
    Map<String, Integer> overlap = new LinkedHashMap<>();
    for (RunRecord run : runs) {
      ids.putIfAbsent(run.seed(), run.provenance().train().ids());
      run.provenance().overlap().forEach((other, o) -> overlap.merge(other, o.validation(), Math::max));
    }
    int overlapping = overlap.values().stream().mapToInt(Integer::intValue).sum();
    String overlapText = overlapping == 0 ? "0" : overlapping + " (" + overlap.entrySet().stream().filter(e -> e.getValue() > 0)
        .map(e -> "task `" + e.getKey() + "`: " + e.getValue()).collect(Collectors.joining(", ")) + "; the task sets allowOverlap)";
    return "Data: " + first.source() + (first.sha256() == null ? " (generated, no files)" : " (SHA-256 " + abbreviated(first.sha256()) + ")")
        + ", task `" + task + "`: " + span(runs, p -> p.train().samples()) + " train / " + span(runs, p -> p.validation().samples())
        + " validation / " + span(runs, p -> p.test().samples()) + " test samples, training ids "
        + ids.entrySet().stream().map(e -> abbreviated(e.getValue()) + " (seed " + e.getKey() + ")").collect(Collectors.joining(", "))
        + ", overlap with other tasks' validation: " + overlapText + ".\n\n";
  }

  /** The value of every run, or its range when runs differ. */
  private static String span(List<RunRecord> runs, ToIntFunction<DataProvenance> value) {
    IntSummaryStatistics stats = runs.stream().mapToInt(r -> value.applyAsInt(r.provenance())).summaryStatistics();
    return stats.getMin() == stats.getMax() ? String.valueOf(stats.getMin()) : stats.getMin() + "–" + stats.getMax();
  }

  private static String abbreviated(String digest) {
    return digest == null ? "—" : digest.substring(0, Math.min(12, digest.length())) + "…";
  }

  private static String taskTable(List<ArmResults> arms) {
    List<String> shifts = arms.stream().flatMap(a -> a.runs().stream())
        .flatMap(r -> r.shifted() == null ? Stream.<String>empty() : r.shifted().keySet().stream())
        .distinct().toList();
    List<String> header = new ArrayList<>(List.of("Arm", "Strategy", "Model", "Init", "LR", "Layer decay", "Epochs", "Batch",
        "Train samples", "n", "Test acc %", "Test NLL", "ECE"));
    shifts.forEach(key -> header.add(key + " acc %"));
    header.add("Trainable params");
    MarkdownTable table = new MarkdownTable(header);
    arms.forEach(arm -> table.add(taskRow(arm, shifts)));
    return table.render();
  }

  private static List<String> taskRow(ArmResults arm, List<String> shifts) {
    ArmSpec armSpec = arm.spec();
    int runs = arm.runs().size();
    List<String> row = new ArrayList<>(List.of(
        "`" + arm.name() + "`",
        arm.strategy().specName(),
        arm.model(),
        arm.initSource().orElse("—") + (armSpec.init() != null && armSpec.init().keepHead() ? ", head kept" : ""),
        Cells.learningRate(armSpec),
        Cells.plain(armSpec.optimizer().layerDecay()),
        Cells.epochs(arm),
        String.valueOf(armSpec.batchSize()),
        Cells.range(arm, RunRecord::trainSamples),
        String.valueOf(runs),
        Cells.withN(arm.testAccuracy(), arm.testAccuracy().formatPercent(), runs),
        Cells.withN(arm.test(EvalMetrics::nll), arm.test(EvalMetrics::nll).format(3), runs),
        Cells.withN(arm.test(EvalMetrics::ece), arm.test(EvalMetrics::ece).format(3), runs)));
    for (String key : shifts) {
      Summary shifted = arm.shiftedAccuracy(key);
      row.add(Cells.withN(shifted, shifted.formatPercent(), runs));
    }
    row.add(Cells.range(arm, RunRecord::trainableParameters));
    return row;
  }

  /** Overfitting and note events, one line per arm, kind and message, with the seeds they occurred at. */
  private static String events(List<ArmResults> arms) {
    record Event(String arm, String kind, String message) {}
    Map<Event, List<String>> seeds = new LinkedHashMap<>();
    for (ArmResults arm : arms) {
      for (RunRecord run : arm.runs()) {
        for (RunEvent event : run.events() == null ? List.<RunEvent>of() : run.events()) {
          if (LISTED_EVENTS.contains(event.kind())) {
            seeds.computeIfAbsent(new Event(arm.name(), event.kind(), event.message()), e -> new ArrayList<>())
                .add(run.seed() + " at epoch " + event.epoch());
          }
        }
      }
    }
    if (seeds.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder("Events:\n\n");
    seeds.forEach((e, at) -> out.append("- `").append(e.arm()).append("` ").append(e.kind())
        .append(" (seeds ").append(String.join(", ", at)).append("): ").append(e.message()).append('\n'));
    return out.append('\n').toString();
  }

  private String runs() {
    MarkdownTable table = new MarkdownTable(List.of("Arm", "Seed", "Selected epoch", "Selection", "Test acc %", "Train s", "Samples/s"));
    allArms().forEach(arm -> arm.runs().forEach(run -> table.add(List.of(
        "`" + arm.name() + "`",
        String.valueOf(run.seed()),
        String.valueOf(run.selectedEpoch()),
        Objects.requireNonNullElse(run.selection(), "not recorded"),
        run.test() == null ? "—" : String.format(Locale.ROOT, "%.1f", run.test().accuracy() * 100),
        String.format(Locale.ROOT, "%.1f", run.trainSeconds()),
        String.format(Locale.ROOT, "%,.0f", run.samplesPerSecond())))));
    return "## Runs\n\n" + table.render();
  }

  private Stream<ArmResults> allArms() {
    return tasks.values().stream().flatMap(List::stream);
  }
}
