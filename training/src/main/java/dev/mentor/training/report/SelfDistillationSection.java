package dev.mentor.training.report;

import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.messages.spec.BornAgainSpec;
import dev.mentor.messages.spec.GenerationPoint;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.training.eval.GenerationEnsemble;
import dev.mentor.training.files.AtomicFiles;
import java.util.HashMap;
import java.util.function.ToDoubleFunction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;

/**
 * Self-distillation in one task: for each born-again sequence (the arms generated from one
 * {@code bornAgain}), a table of every generation's test accuracy, NLL and ECE (mean ± std over
 * seeds), its gain over generation 1 paired by seed, and the scratch baseline trained for all the
 * generations' epochs together, with a chart of accuracy and NLL per generation against that
 * baseline; and for PS-KD arms, a table against the scratch arm of the same model and budget.
 * Renders nothing for a task with neither.
 */
final class SelfDistillationSection {
  private static final int WIDTH = 800;
  private static final int HEIGHT = 450;

  private SelfDistillationSection() {}

  /** {@code ensembles}: the born-again network ensembles by the arm of their last generation, each with its seeds'. */
  static String render(Path experimentDir, String task, List<ArmResults> arms, Map<String, List<GenerationEnsemble>> ensembles) {
    Map<String, List<ArmResults>> sequences = new LinkedHashMap<>();
    for (ArmResults arm : arms) {
      GenerationPoint point = arm.spec().generation();
      if (point != null) {
        sequences.computeIfAbsent(point.arm(), a -> new ArrayList<>()).add(arm);
      }
    }
    StringBuilder out = new StringBuilder();
    sequences.forEach((name, members) -> out.append(bornAgain(experimentDir, task, name, members, ensembles)));
    out.append(psKd(arms));
    return out.toString();
  }

  private static String bornAgain(Path experimentDir, String task, String name, List<ArmResults> members,
      Map<String, List<GenerationEnsemble>> byArm) {
    List<ArmResults> generations = members.stream().filter(a -> !a.spec().generation().isBaseline())
        .sorted(Comparator.comparingInt(a -> a.spec().generation().number())).toList();
    ArmResults baseline = members.stream().filter(a -> a.spec().generation().isBaseline()).findFirst().orElse(null);
    if (generations.isEmpty()) {
      return "";
    }
    GenerationPoint first = generations.get(0).spec().generation();
    StringBuilder out = new StringBuilder("### Born-again generations `" + name + "`, task `" + task + "`\n\n");
    out.append(first.of()).append(" generations of ").append(generations.get(0).model()).append(", ")
        .append(generations.get(0).spec().epochs()).append(" epochs each; generation 1 ")
        .append(first.from() == null ? "learns from the labels" : "is distilled from arm `" + first.from() + "`")
        .append(", generation k+1 from ").append(first.teachers() == BornAgainSpec.Teachers.ALL
            ? "the ensemble of generations 1..k (probabilities averaged)" : "generation k")
        .append(". Mean ± std over seeds; Δ is paired by seed against generation 1")
        .append(baseline == null ? "" : ", and `" + baseline.name() + "` is the same model trained from the labels for all "
            + first.of() + " generations' epochs (" + baseline.spec().epochs() + "), the equal-budget comparison")
        .append(".\n\n");
    MarkdownTable table = new MarkdownTable(List.of("generation", "arm", "epochs (cumulative)", "test acc %", "Δ vs generation 1 (points)",
        "test NLL", "ECE"));
    ArmResults g1 = generations.get(0);
    int each = g1.spec().epochs();
    for (ArmResults g : generations) {
      int number = g.spec().generation().number();
      table.add(List.of(Integer.toString(number), Cells.quote(g.name()), g.spec().epochs() + " (" + (number * each) + ")",
          g.testAccuracy().formatPercent(), g == g1 ? "—" : Cells.accuracyDifference(g, g1), g.test(EvalMetrics::nll).format(3),
          g.test(EvalMetrics::ece).format(3)));
    }
    Map<Integer, List<GenerationEnsemble>> ensembles = ensembles(generations, byArm);
    ensembles.forEach((number, seeds) -> table.add(List.of("ensemble of generations 1..." + number, "—", (number * each) + " in all",
        summary(seeds, m -> m.accuracy()).formatPercent(), pairedPoints(seeds, g1), summary(seeds, EvalMetrics::nll).format(3),
        summary(seeds, EvalMetrics::ece).format(3))));
    if (baseline != null) {
      table.add(List.of("scratch, same total budget", Cells.quote(baseline.name()), Integer.toString(baseline.spec().epochs()),
          baseline.testAccuracy().formatPercent(), Cells.accuracyDifference(baseline, g1), baseline.test(EvalMetrics::nll).format(3),
          baseline.test(EvalMetrics::ece).format(3)));
    }
    out.append(table.render()).append('\n');
    ArmResults last = generations.get(generations.size() - 1);
    if (baseline != null && generations.size() > 1) {
      out.append("Last generation against the equal-budget baseline: ").append(Cells.quote(last.name())).append(" − ")
          .append(Cells.quote(baseline.name())).append(" = ").append(Cells.accuracyDifference(last, baseline))
          .append(" points of test accuracy (paired by seed); a difference within about one std of the paired differences is no difference.\n\n");
    }
    if (!ensembles.isEmpty()) {
      out.append("The ensembles average the probabilities of generations 1..k at each seed (the born-again network ensemble of"
          + " Furlanello et al.): k models at inference, against one for a generation.\n\n");
    }
    out.append(chart(experimentDir, task, name, generations, baseline, ensembles));
    return out.toString();
  }

  /** Each later generation's born-again ensemble at the seeds that have one, by generation number; none without any. */
  private static Map<Integer, List<GenerationEnsemble>> ensembles(List<ArmResults> generations, Map<String, List<GenerationEnsemble>> byArm) {
    Map<Integer, List<GenerationEnsemble>> out = new LinkedHashMap<>();
    for (ArmResults g : generations) {
      List<GenerationEnsemble> seeds = byArm.getOrDefault(g.name(), List.of());
      if (!seeds.isEmpty()) {
        out.put(g.spec().generation().number(), seeds);
      }
    }
    return out;
  }

  private static Summary summary(List<GenerationEnsemble> seeds, ToDoubleFunction<EvalMetrics> metric) {
    return Summary.of(seeds.stream().mapToDouble(e -> metric.applyAsDouble(e.test())).toArray());
  }

  /** The ensembles' test accuracy minus generation 1's at the same seeds, in points, mean ± std. */
  private static String pairedPoints(List<GenerationEnsemble> seeds, ArmResults g1) {
    Map<Long, RunRecord> first = new HashMap<>();
    g1.runs().forEach(r -> first.put(r.seed(), r));
    double[] diffs = seeds.stream().filter(e -> first.containsKey(e.seed()) && first.get(e.seed()).test() != null)
        .mapToDouble(e -> (e.test().accuracy() - first.get(e.seed()).test().accuracy()) * 100).toArray();
    return diffs.length == 0 ? "—" : Cells.signedPoints(Summary.of(diffs));
  }

  private static String chart(Path experimentDir, String task, String name, List<ArmResults> generations, ArmResults baseline,
      Map<Integer, List<GenerationEnsemble>> ensembles) {
    List<Double> x = generations.stream().map(g -> (double) g.spec().generation().number()).toList();
    StringBuilder out = new StringBuilder();
    for (boolean accuracy : new boolean[] {true, false}) {
      String metric = accuracy ? "test accuracy (%)" : "test NLL (nats)";
      XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title("Born-again " + name + ", task " + task + ": " + metric
          + " per generation").xAxisTitle("generation").yAxisTitle(metric).build();
      chart.getStyler().setLegendPosition(LegendPosition.InsideSE).setMarkerSize(6);
      chart.getStyler().setXAxisDecimalPattern("0");
      double scale = accuracy ? 100 : 1;
      List<Double> mean = generations.stream().map(g -> summary(g, accuracy).mean() * scale).toList();
      List<Double> std = generations.stream().map(g -> summary(g, accuracy).std() * scale).toList();
      chart.addSeries("generations", x, mean, std).setLineStyle(SeriesLines.SOLID);
      if (!ensembles.isEmpty()) {
        List<Double> ex = ensembles.keySet().stream().map(Integer::doubleValue).toList();
        List<Summary> es = ensembles.values().stream().map(e -> accuracy ? summary(e, m -> m.accuracy()) : summary(e, EvalMetrics::nll)).toList();
        chart.addSeries("ensemble of generations 1..k", ex, es.stream().map(e -> e.mean() * scale).toList(),
            es.stream().map(e -> e.std() * scale).toList()).setLineStyle(SeriesLines.DOT_DOT);
      }
      if (baseline != null && summary(baseline, accuracy).n() > 0) {
        double b = summary(baseline, accuracy).mean() * scale;
        chart.addSeries("scratch, " + baseline.spec().epochs() + " epochs", List.of(x.get(0), x.get(x.size() - 1)), List.of(b, b))
            .setLineStyle(SeriesLines.DASH_DASH);
      }
      String file = LearningCurveCharts.FOLDER + "/" + (task + "-born-again-" + name + (accuracy ? "-accuracy" : "-nll"))
          .replaceAll("[^A-Za-z0-9._-]", "_") + ".png";
      AtomicFiles.write(experimentDir.resolve(file), stream -> BitmapEncoder.saveBitmap(chart, stream, BitmapFormat.PNG));
      out.append("![").append(chart.getTitle()).append("](").append(file).append(")\n\n");
    }
    return out.toString();
  }

  private static Summary summary(ArmResults arm, boolean accuracy) {
    return accuracy ? arm.testAccuracy() : arm.test(EvalMetrics::nll);
  }

  private static String psKd(List<ArmResults> arms) {
    List<ArmResults> students = arms.stream().filter(a -> a.spec().psKd() != null).toList();
    if (students.isEmpty()) {
      return "";
    }
    StringBuilder out = new StringBuilder("### Progressive self-knowledge distillation (PS-KD)\n\n");
    out.append("Target at epoch t of E: (1 − α_t)·y + α_t·p_{t−1}, α_t = α_T·t/E, p_{t−1} the model's own softmax for the sample in its"
        + " previous epoch's training pass (the label before the first); loss: cross-entropy against that target, batch mean. Δ vs scratch:"
        + " paired by seed against the same model trained from the labels with the same epochs.\n\n");
    MarkdownTable table = new MarkdownTable(List.of("arm", "α_T", "epochs", "test acc %", "Δ vs scratch (points)", "test NLL", "ECE",
        "scratch NLL / ECE"));
    for (ArmResults arm : students) {
      // A plain scratch arm of the model and budget, else a born-again sequence's first generation trained from the labels (the same thing).
      List<ArmResults> sameBudget = arms.stream().filter(b -> b.isScratchBaselineOf(arm) && b.spec().epochs().equals(arm.spec().epochs())).toList();
      ArmResults scratch = sameBudget.stream().filter(b -> b.spec().generation() == null).findFirst()
          .orElse(sameBudget.stream().filter(b -> b.spec().generation().number() == 1 && b.spec().generation().from() == null).findFirst()
              .orElse(null));
      table.add(List.of(Cells.quote(arm.name()), String.format(Locale.ROOT, "%.2f", arm.spec().psKd().alpha()),
          Integer.toString(arm.spec().epochs()), arm.testAccuracy().formatPercent(),
          scratch == null ? "no scratch arm of this model and budget" : Cells.accuracyDifference(arm, scratch) + " vs " + Cells.quote(scratch.name()),
          arm.test(EvalMetrics::nll).format(3), arm.test(EvalMetrics::ece).format(3),
          scratch == null ? "—" : scratch.test(EvalMetrics::nll).format(3) + " / " + scratch.test(EvalMetrics::ece).format(3)));
    }
    return out.append(table.render()).append('\n').toString();
  }
}
