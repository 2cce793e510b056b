package dev.mentor.training.report;

import dev.mentor.messages.record.InferenceCost;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * What the experiment's teachers, students and ensembles cost to deploy against what they score:
 * parameters, bytes on disk, multiply-adds, single-sample latency and batch throughput beside test
 * accuracy, then each student against its teacher arm. Renders nothing for an experiment without
 * any of the three.
 */
final class CompressionSection {
  private final Set<String> teachers;
  private final List<ArmResults> arms;
  private final Map<String, ArmResults> byName;

  private CompressionSection(ExperimentSpec spec, List<ArmResults> allArms) {
    this.teachers = spec.arms().stream().filter(a -> a.distill() != null)
        .flatMap(a -> a.distill().teacher().armNames().stream()).collect(Collectors.toSet());
    List<ArmSpec> order = spec.arms();
    this.arms = allArms.stream().filter(a -> !roles(a).isEmpty()).sorted(Comparator.comparingInt(a -> order.indexOf(a.spec()))).toList();
    this.byName = allArms.stream().collect(Collectors.toMap(ArmResults::name, Function.identity(), (a, b) -> a));
  }

  /** The section, or "" when no arm with results is a teacher, a student or an ensemble. */
  static String render(ExperimentSpec spec, List<ArmResults> allArms) {
    CompressionSection section = new CompressionSection(spec, allArms);
    return section.arms.isEmpty() ? "" : section.render();
  }

  private String render() {
    MarkdownTable table = new MarkdownTable(List.of("Role", "Arm", "Task", "Model", "n", "Parameters", "Bytes on disk",
        "Multiply-adds / sample", "Latency ms / sample", "Throughput samples/s", "Test acc %"));
    arms.forEach(arm -> table.add(row(arm)));
    StringBuilder out = new StringBuilder("## Compression: train for accuracy, deploy for efficiency\n\n");
    out.append("Every teacher, student and ensemble of the experiment, measured on the machine above. Latency is the median"
        + " of repeated single-sample forward passes; throughput is over the test set at the evaluation batch size. An"
        + " ensemble runs all its members, so its sizes and costs cover them all. Sizes are shared by an arm's runs unless"
        + " marked as a mean; accuracy and timings are mean ± std over seeds.\n\n");
    out.append(table.render()).append('\n');
    List<String> lines = arms.stream().filter(ArmResults::isStudent).map(this::versusTeacher).filter(s -> !s.isEmpty()).toList();
    lines.forEach(line -> out.append("- ").append(line).append('\n'));
    return out.append(lines.isEmpty() ? "" : "\n").toString();
  }

  private List<String> row(ArmResults arm) {
    int runs = arm.runs().size();
    Summary latency = inference(arm, InferenceCost::latencyMs);
    Summary throughput = inference(arm, InferenceCost::samplesPerSecond);
    return List.of(
        String.join(", ", roles(arm)),
        Cells.quote(arm.name()),
        Cells.quote(arm.spec().task()),
        arm.model(),
        String.valueOf(runs),
        count(arm, RunRecord::parameters),
        count(arm, CompressionSection::bytesOnDisk),
        count(arm, RunRecord::multiplyAdds),
        Cells.withN(latency, latency.format(3), runs),
        Cells.withN(throughput, Cells.groupedSummary(throughput), runs),
        Cells.withN(arm.testAccuracy(), arm.testAccuracy().formatPercent(), runs));
  }

  private List<String> roles(ArmResults arm) {
    List<String> roles = new ArrayList<>();
    if (teachers.contains(arm.name())) {
      roles.add("teacher");
    }
    if (arm.isStudent()) {
      roles.add("student");
    }
    if (arm.isEnsemble()) {
      roles.add("ensemble");
    }
    return roles;
  }

  /** How much smaller and faster a student is than its teacher arm, and what it gives up in accuracy. */
  private String versusTeacher(ArmResults student) {
    ArmResults teacher = byName.get(student.spec().distill().teacher().arm());
    if (teacher == null) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    ratio(teacher, student, RunRecord::parameters).ifPresent(r -> parts.add(r + " fewer parameters"));
    ratio(teacher, student, RunRecord::multiplyAdds).ifPresent(r -> parts.add(r + " fewer multiply-adds"));
    Summary teacherLatency = inference(teacher, InferenceCost::latencyMs);
    Summary studentLatency = inference(student, InferenceCost::latencyMs);
    if (teacherLatency.n() > 0 && studentLatency.n() > 0 && studentLatency.mean() > 0) {
      parts.add(times(teacherLatency.mean() / studentLatency.mean()) + " lower latency");
    }
    parts.add(Cells.accuracyDifference(student, teacher) + " points of test accuracy (per-seed differences)");
    return Cells.quote(student.name()) + " against its teacher " + Cells.quote(teacher.name()) + ": " + String.join(", ", parts) + ".";
  }

  private static Optional<String> ratio(ArmResults teacher, ArmResults student, ToLongFunction<RunRecord> size) {
    double big = teacher.summarise(run -> size.applyAsLong(run)).mean();
    double small = student.summarise(run -> size.applyAsLong(run)).mean();
    return big > 0 && small > 0 ? Optional.of(times(big / small)) : Optional.empty();
  }

  private static String times(double factor) {
    return String.format(Locale.ROOT, "%.1f×", factor);
  }

  /** The count shared by the arm's runs, or their mean, marked as such, when it varies. */
  private static String count(ArmResults arm, ToLongFunction<RunRecord> value) {
    long min = arm.runs().stream().mapToLong(value).min().orElseThrow();
    long max = arm.runs().stream().mapToLong(value).max().orElseThrow();
    return min == max ? Cells.grouped(min) : "mean " + Cells.grouped(Math.round(arm.summarise(run -> value.applyAsLong(run)).mean()));
  }

  /** The weights' size as the inference measurement saw it; older records only have the float32 parameter bytes. */
  private static long bytesOnDisk(RunRecord run) {
    return run.inference() != null ? run.inference().bytesOnDisk() : run.bytes();
  }

  private static Summary inference(ArmResults arm, ToDoubleFunction<InferenceCost> metric) {
    return arm.summarise(run -> run.inference() == null ? Double.NaN : metric.applyAsDouble(run.inference()));
  }
}
