package dev.mentor.training.report;

import dev.mentor.messages.record.DistillationInfo;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.DistillSpec.TeacherInput;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.FeatureTermSpec;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.distill.DistillationMethods;
import dev.mentor.training.distill.LogitMethod;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The distillation part of a task's section: the loss convention and the teacher's mode as the
 * students' runs recorded them, a table with one row per student and per scratch baseline (the
 * student's model trained from scratch in the same task, with no teacher), each student's gain
 * over its baseline as the mean of per-seed differences, and each loss term's unweighted value
 * at the last epoch. Renders nothing for a task without students.
 */
final class DistillationSection {
  private final List<ArmResults> students;
  private final List<ArmResults> baselines;
  private DistillationSection(List<ArmResults> taskArms) {
    this.students = taskArms.stream().filter(ArmResults::isStudent).toList();
    this.baselines = taskArms.stream().filter(b -> students.stream().anyMatch(b::isScratchBaselineOf)).toList();
  }

  /** The section for one task's arms (spec order), or "" when none of them is a student. */
  static String render(List<ArmResults> taskArms) {
    DistillationSection section = new DistillationSection(taskArms);
    return section.students.isEmpty() ? "" : section.render();
  }

  private String render() {
    StringBuilder out = new StringBuilder("### Distillation\n\n");
    out.append(recorded("Loss", DistillationInfo::loss));
    out.append(recorded("Teacher mode", DistillationInfo::teacherMode));
    out.append("\nΔ vs scratch: the student's test accuracy minus its scratch baseline's (the same model trained from scratch"
        + " in this task, without a teacher), in points: mean ± std of the per-seed differences over the seeds both ran"
        + " (same seed: same samples, order and augmentation). Teacher test accuracy is the teacher each run learned from.\n\n");
    out.append(table()).append('\n');
    List<ArmResults> withoutBaseline = students.stream().filter(student -> baselinesOf(student).isEmpty()).toList();
    withoutBaseline.forEach(student -> out.append("- ").append(Cells.quote(student.name())).append(" (").append(student.model())
        .append("): no scratch baseline of the student's model in this task.\n"));
    out.append(withoutBaseline.isEmpty() ? "" : "\n");
    out.append(lossTerms());
    return out.toString();
  }

  /**
   * One line stating what the students' runs recorded for a field (the loss formula, the teacher's
   * mode), or one line per distinct text with the arms that recorded it.
   */
  private String recorded(String what, Function<DistillationInfo, String> field) {
    Map<String, List<String>> armsByText = new LinkedHashMap<>();
    for (ArmResults student : students) {
      Set<String> texts = student.runs().stream().map(RunRecord::distillation)
          .map(d -> d == null ? null : field.apply(d))
          .map(text -> text == null || text.isBlank() ? "not recorded" : text.strip())
          .collect(Collectors.toCollection(LinkedHashSet::new));
      texts.forEach(text -> armsByText.computeIfAbsent(text, t -> new ArrayList<>()).add(Cells.quote(student.name())));
    }
    if (armsByText.size() == 1) {
      return "- " + what + ": " + armsByText.keySet().iterator().next() + "\n";
    }
    StringBuilder out = new StringBuilder("- " + what + ", which differs between students:\n");
    armsByText.forEach((text, arms) -> out.append("  - ").append(String.join(", ", arms)).append(": ").append(text).append('\n'));
    return out.toString();
  }

  private String table() {
    MarkdownTable table = new MarkdownTable(List.of("Arm", "Model", "Teacher", "Logits", "T", "α", "Feature terms", "Teacher input",
        "Epochs", "LR", "n", "Test acc %", "Δ vs scratch (points)", "Test NLL", "ECE", "Teacher test acc %", "Cache hit rate %"));
    baselines.forEach(baseline -> table.add(baselineRow(baseline)));
    students.forEach(student -> table.add(studentRow(student)));
    return table.render();
  }

  private List<String> baselineRow(ArmResults baseline) {
    List<String> row = new ArrayList<>(List.of(Cells.quote(baseline.name()), baseline.model(), "none (scratch baseline)",
        "—", "—", "—", "—", "—"));
    row.addAll(results(baseline, "baseline"));
    row.addAll(List.of("—", "—"));
    return row;
  }

  private List<String> studentRow(ArmResults student) {
    DistillSpec distill = student.spec().distill();
    int runs = student.runs().size();
    LogitMethod method = DistillationMethods.logits(distill);
    Summary teacherAccuracy = student.summarise(run -> run.distillation() == null ? Double.NaN : run.distillation().teacherTestAccuracy());
    List<String> row = new ArrayList<>(List.of(
        Cells.quote(student.name()),
        student.model(),
        teacher(student),
        method.shortName(distill),
        method.tempered() ? recordedNumber(student, DistillationInfo::temperature, distill.temperature()) : "—",
        method.readsTeacherLogits() ? recordedNumber(student, DistillationInfo::alpha, distill.alpha()) : "—",
        distill.features().isEmpty() ? "—" : distill.features().stream().map(DistillationSection::featureTerm).collect(Collectors.joining(" + ")),
        distill.teacherInput() == TeacherInput.CLEAN ? "clean (without the task's shift)" : "same as the student's"));
    row.addAll(results(student, delta(student)));
    row.add(Cells.withN(teacherAccuracy, teacherAccuracy.formatPercent(), runs));
    row.add(cacheHitRate(student));
    return row;
  }

  /** Epochs, LR, n, test accuracy, Δ, NLL and ECE. */
  private static List<String> results(ArmResults arm, String delta) {
    int runs = arm.runs().size();
    Summary nll = arm.test(EvalMetrics::nll);
    Summary ece = arm.test(EvalMetrics::ece);
    return List.of(Cells.epochs(arm), Cells.learningRate(arm.spec()), String.valueOf(runs),
        Cells.withN(arm.testAccuracy(), arm.testAccuracy().formatPercent(), runs), delta,
        Cells.withN(nll, nll.format(3), runs), Cells.withN(ece, ece.format(3), runs));
  }

  private List<ArmResults> baselinesOf(ArmResults student) {
    return baselines.stream().filter(b -> b.isScratchBaselineOf(student)).toList();
  }

  /** The paired gain over each of the student's baselines, naming the baseline when the table has several. */
  private String delta(ArmResults student) {
    List<ArmResults> own = baselinesOf(student);
    if (own.isEmpty()) {
      return "— (no baseline)";
    }
    return own.stream().map(baseline -> Cells.accuracyDifference(student, baseline) + (baselines.size() > 1 ? " vs " + Cells.quote(baseline.name()) : ""))
        .collect(Collectors.joining("; "));
  }

  /** Where the teacher comes from and what it is, e.g. {@code arm `big`: mlp [64]}. */
  private static String teacher(ArmResults student) {
    DistillSpec distill = student.spec().distill();
    TeacherSpec teacher = distill.teacher();
    String source = teacher.arm() != null ? "arm " + Cells.quote(teacher.arm())
        : teacher.arms() != null ? "ensemble of arms " + teacher.arms().stream().map(Cells::quote).collect(Collectors.joining(", "))
        : "checkpoint " + Cells.quote(teacher.checkpoint());
    List<DistillationInfo> infos = student.runs().stream().map(RunRecord::distillation).filter(Objects::nonNull).toList();
    String model = infos.stream().map(DistillationInfo::teacherModel).filter(m -> m != null && !m.isBlank()).distinct()
        .collect(Collectors.joining(" / "));
    if (model.isEmpty() && teacher.model() != null) {
      model = teacher.model().type().specName();
    }
    int members = infos.stream().mapToInt(DistillationInfo::teacherMembers).max().orElse(1);
    if (members > 1) {
      model = "ensemble of " + members + " (" + distill.average() + " averaged)" + (model.isEmpty() ? "" : " of " + model);
    }
    return model.isEmpty() ? source : source + ": " + model;
  }

  /** e.g. {@code attention stage1→stage1, stage2→stage2, weight 1000, p 2, reference-code form}. */
  private static String featureTerm(FeatureTermSpec term) {
    String pairs = term.pairs().stream().map(p -> p.student() + "→" + p.teacher()).collect(Collectors.joining(", "));
    String extra = term.p() != null ? ", p " + Cells.plain(term.p()) + ", " + term.form() + " form"
        : term.hintEpochs() != null && term.hintEpochs() > 0 ? ", " + term.hintEpochs() + " hint epochs first" : "";
    return term.method() + " " + pairs + ", weight " + Cells.plain(term.weight()) + extra;
  }

  /** The value the runs recorded (several joined with " / "), or the spec's when no run recorded one. */
  private static String recordedNumber(ArmResults student, ToDoubleFunction<DistillationInfo> field, double specified) {
    List<String> values = student.runs().stream().map(RunRecord::distillation).filter(Objects::nonNull)
        .mapToDouble(field).distinct().mapToObj(Cells::plain).toList();
    return values.isEmpty() ? Cells.plain(specified) : String.join(" / ", values);
  }

  /** Hit rate over runs that looked the teacher's outputs up; otherwise why the teacher ran live. */
  private static String cacheHitRate(ArmResults student) {
    Summary rate = student.summarise(run -> run.distillation() == null || run.distillation().cacheLookups() == 0
        ? Double.NaN : run.distillation().cacheHitRate());
    if (rate.n() > 0) {
      return Cells.withN(rate, rate.formatPercent(), student.runs().size());
    }
    String why = student.runs().stream().map(RunRecord::distillation).filter(Objects::nonNull).map(DistillationInfo::cache)
        .filter(c -> c != null && !c.isBlank()).distinct().collect(Collectors.joining("; "));
    return why.isEmpty() ? "—" : "— (" + why + ")";
  }

  /** Each loss term's unweighted mean in the last epoch each run trained, mean ± std over seeds. */
  private String lossTerms() {
    List<ArmResults> arms = Stream.concat(baselines.stream(), students.stream())
        .filter(arm -> arm.runs().stream().anyMatch(run -> !lastTerms(run).isEmpty())).toList();
    if (arms.isEmpty()) {
      return "";
    }
    List<String> terms = arms.stream().flatMap(arm -> arm.runs().stream()).flatMap(run -> lastTerms(run).keySet().stream())
        .distinct().toList();
    List<String> header = new ArrayList<>(List.of("Arm", "n"));
    header.addAll(terms);
    MarkdownTable table = new MarkdownTable(header);
    for (ArmResults arm : arms) {
      List<String> row = new ArrayList<>(List.of(Cells.quote(arm.name()), String.valueOf(arm.runs().size())));
      for (String term : terms) {
        Summary value = arm.summarise(run -> lastTerms(run).getOrDefault(term, Double.NaN));
        row.add(Cells.withN(value, significant(value), arm.runs().size()));
      }
      table.add(row);
    }
    return "Loss terms at the last epoch (unweighted), mean ± std over seeds:\n\n" + table.render() + '\n';
  }

  private static Map<String, Double> lastTerms(RunRecord run) {
    List<EpochMetrics> history = run.history() == null ? List.of() : run.history();
    return history.isEmpty() ? Map.of() : history.get(history.size() - 1).terms();
  }

  /** Three significant digits of the larger of mean and std, at least three decimals: terms differ by orders of magnitude. */
  private static String significant(Summary value) {
    double scale = Math.max(Math.abs(value.mean()), value.std());
    int decimals = scale == 0 ? 3 : Math.max(3, Math.min(8, 2 - (int) Math.floor(Math.log10(scale))));
    return value.format(decimals);
  }
}
