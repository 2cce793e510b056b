package dev.mentor.training.report;

import dev.mentor.messages.record.EnsembleMetrics.EnsembleSizeMetrics;
import dev.mentor.messages.record.EnsembleMetrics.UncertaintyStats;
import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ShiftSpec;
import dev.mentor.messages.spec.TaskSpec;
import dev.mentor.training.eval.Ensembles;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The ensembles of a task, one block per ensemble arm: test accuracy, NLL and ECE against the
 * number of members with the average single member as baseline, mean uncertainty on the test set
 * and on each shifted test set (named by shift and severity, accuracy beside it), and how well each
 * uncertainty measure tells shifted from in-distribution inputs (AUROC). Every cell is mean ± std
 * over seeds. Renders nothing for a task without ensemble arms.
 */
final class EnsembleSection {
  /** The record's AUROC measures, in the order of the uncertainty columns. */
  private static final List<String> MEASURES = List.of("entropy", "mutual-information", "disagreement");
  private static final String TEST = "test";

  private final TaskSpec task;

  private EnsembleSection(TaskSpec task) {
    this.task = task;
  }

  /** The section for one task's arms (spec order), or "" when none of them is an ensemble. */
  static String render(TaskSpec task, List<ArmResults> taskArms) {
    List<ArmResults> ensembles = taskArms.stream().filter(ArmResults::isEnsemble).toList();
    if (ensembles.isEmpty()) {
      return "";
    }
    EnsembleSection section = new EnsembleSection(task);
    StringBuilder out = new StringBuilder("### Ensembles\n\n");
    out.append("An ensemble of k averages the probabilities of its first k members; each member trains from its own seed,"
        + " derived from the run's seed. Uncertainty is per sample in nats, averaged over the set: entropy of the mean"
        + " prediction (total), mutual information (entropy minus the mean member entropy: epistemic)"
        + " and disagreement (variance of member probabilities summed over classes). AUROC: how well a measure separates"
        + " the shifted test inputs from the in-distribution ones (0.5 = chance, 1 = perfect).\n\n");
    ensembles.forEach(arm -> out.append(section.arm(arm)));
    return out.toString();
  }

  private String arm(ArmResults arm) {
    List<EnsembleMetrics> metrics = arm.runs().stream().map(RunRecord::ensemble).filter(Objects::nonNull).toList();
    StringBuilder out = new StringBuilder("#### " + Cells.quote(arm.name()) + ": " + arm.spec().ensemble().members()
        + " members of " + arm.model().replaceFirst(" ensemble of \\d+$", "") + " per run, n = " + arm.runs().size() + "\n\n");
    if (metrics.isEmpty()) {
      return out.append("Its runs recorded no ensemble metrics.\n\n").toString();
    }
    out.append(bySize(arm)).append('\n');
    Summary gain = arm.summarise(run -> run.ensemble() == null || run.ensemble().averageMember() == null
        ? Double.NaN : (ArmResults.testAccuracy(run) - run.ensemble().averageMember().accuracy()) * 100);
    if (gain.n() > 0) {
      out.append("The full ensemble against its average single member: ").append(Cells.signedPoints(gain))
          .append(" points of test accuracy (per-run differences, n = ").append(gain.n()).append(").\n\n");
    }
    out.append(uncertainty(arm)).append('\n');
    String auroc = auroc(arm);
    if (!auroc.isEmpty()) {
      out.append(auroc).append('\n');
    }
    return out.toString();
  }

  private static String bySize(ArmResults arm) {
    int runs = arm.runs().size();
    List<Integer> sizes = arm.runs().stream().map(RunRecord::ensemble).filter(Objects::nonNull)
        .filter(e -> e.bySize() != null).flatMap(e -> e.bySize().stream()).map(EnsembleSizeMetrics::size).distinct().sorted().toList();
    MarkdownTable table = new MarkdownTable(List.of("Members", "n", "Test acc %", "Test NLL", "ECE"));
    for (int size : sizes) {
      Summary accuracy = arm.summarise(run -> atSize(run, size).map(EnsembleSizeMetrics::accuracy).orElse(Double.NaN));
      Summary nll = arm.summarise(run -> atSize(run, size).map(EnsembleSizeMetrics::nll).orElse(Double.NaN));
      Summary ece = arm.summarise(run -> atSize(run, size).map(EnsembleSizeMetrics::ece).orElse(Double.NaN));
      table.add(List.of(String.valueOf(size), String.valueOf(accuracy.n()), accuracy.formatPercent(), nll.format(3), ece.format(3)));
    }
    Summary accuracy = averageMember(arm, EvalMetrics::accuracy);
    Summary nll = averageMember(arm, EvalMetrics::nll);
    Summary ece = averageMember(arm, EvalMetrics::ece);
    table.add(List.of("average single member", String.valueOf(accuracy.n()), Cells.withN(accuracy, accuracy.formatPercent(), runs),
        nll.format(3), ece.format(3)));
    return table.render();
  }

  private static Optional<EnsembleSizeMetrics> atSize(RunRecord run, int size) {
    return run.ensemble() == null || run.ensemble().bySize() == null ? Optional.empty() : run.ensemble().bySize().stream().filter(m -> m.size() == size).findFirst();
  }

  private static Summary averageMember(ArmResults arm, ToDoubleFunction<EvalMetrics> metric) {
    return arm.summarise(run -> run.ensemble() == null || run.ensemble().averageMember() == null
        ? Double.NaN : metric.applyAsDouble(run.ensemble().averageMember()));
  }

  /** In-distribution and shifted accuracy side by side with the three uncertainty measures. */
  private String uncertainty(ArmResults arm) {
    int runs = arm.runs().size();
    MarkdownTable table = new MarkdownTable(List.of("Shift", "Severity", "n", "Acc %", "Entropy", "Mutual information",
        "Disagreement"));
    for (String set : sets(arm, EnsembleMetrics::uncertainty)) {
      Summary accuracy = arm.summarise(run -> accuracy(run, set));
      Summary entropy = arm.summarise(run -> uncertainty(run, set, UncertaintyStats::entropy));
      Summary information = arm.summarise(run -> uncertainty(run, set, UncertaintyStats::mutualInformation));
      Summary disagreement = arm.summarise(run -> uncertainty(run, set, UncertaintyStats::disagreement));
      List<String> row = new ArrayList<>(set.equals(TEST) ? inDistribution() : shift(set));
      row.addAll(List.of(String.valueOf(entropy.n()), Cells.withN(accuracy, accuracy.formatPercent(), runs),
          entropy.format(3), information.format(3), disagreement.format(3)));
      table.add(row);
    }
    return "Uncertainty, in distribution and under each shift:\n\n" + table.render();
  }

  /** AUROC per shift and measure; "" when no run recorded one. */
  private String auroc(ArmResults arm) {
    List<String> shifts = sets(arm, EnsembleMetrics::auroc);
    if (shifts.isEmpty()) {
      return "";
    }
    Set<String> measures = new LinkedHashSet<>(MEASURES);
    arm.runs().stream().map(RunRecord::ensemble).filter(e -> e != null && e.auroc() != null).flatMap(e -> e.auroc().values().stream())
        .filter(Objects::nonNull).forEach(byMeasure -> measures.addAll(byMeasure.keySet()));
    List<String> header = new ArrayList<>(List.of("Shift", "Severity", "n"));
    measures.forEach(measure -> header.add("AUROC " + measure.replace('-', ' ')));
    MarkdownTable table = new MarkdownTable(header);
    for (String shift : shifts) {
      List<Summary> values = measures.stream().map(measure -> arm.summarise(run -> auroc(run, shift, measure))).toList();
      List<String> row = new ArrayList<>(shift(shift));
      row.add(String.valueOf(values.stream().mapToInt(Summary::n).max().orElse(0)));
      values.forEach(value -> row.add(Cells.withN(value, value.format(3), arm.runs().size())));
      table.add(row);
    }
    return "AUROC of shifted against in-distribution test inputs:\n\n" + table.render();
  }

  /** Sets the runs recorded, the test set first, then the task's shifts in spec order, then any other. */
  private List<String> sets(ArmResults arm, Function<EnsembleMetrics, Map<String, ?>> recordedSets) {
    Set<String> recorded = new LinkedHashSet<>();
    arm.runs().stream().map(RunRecord::ensemble).filter(Objects::nonNull).map(recordedSets).filter(Objects::nonNull)
        .forEach(sets -> recorded.addAll(sets.keySet()));
    // The validation set's uncertainty is for monitoring; the report compares test sets only.
    recorded.remove(Ensembles.VALIDATION);
    List<String> ordered = new ArrayList<>();
    if (recorded.remove(TEST)) {
      ordered.add(TEST);
    }
    task.ood().stream().map(ShiftSpec::label).filter(recorded::remove).forEach(ordered::add);
    ordered.addAll(recorded);
    return ordered;
  }

  private List<String> inDistribution() {
    return task.shift() == null ? List.of("none (test set, in distribution)", "—")
        : List.of("only the task's own " + task.shift().type() + " (test set)", Cells.plain(task.shift().severity()));
  }

  /** Shift type and severity, from the task's out-of-distribution list; the recorded label when it is not listed there. */
  private List<String> shift(String label) {
    Optional<ShiftSpec> shift = task.ood().stream().filter(s -> s.label().equals(label)).findFirst();
    return shift.map(s -> List.of(s.type().specName(), Cells.plain(s.severity()))).orElse(List.of(label, "—"));
  }

  private static double accuracy(RunRecord run, String set) {
    if (set.equals(TEST)) {
      return ArmResults.testAccuracy(run);
    }
    EvalMetrics shifted = run.shifted() == null ? null : run.shifted().get(set);
    return shifted == null ? Double.NaN : shifted.accuracy();
  }

  private static double uncertainty(RunRecord run, String set, ToDoubleFunction<UncertaintyStats> measure) {
    UncertaintyStats stats = run.ensemble() == null || run.ensemble().uncertainty() == null ? null : run.ensemble().uncertainty().get(set);
    return stats == null ? Double.NaN : measure.applyAsDouble(stats);
  }

  private static double auroc(RunRecord run, String shift, String measure) {
    Map<String, Double> byMeasure = run.ensemble() == null || run.ensemble().auroc() == null ? null : run.ensemble().auroc().get(shift);
    Double value = byMeasure == null ? null : byMeasure.get(measure);
    return value == null ? Double.NaN : value;
  }
}
