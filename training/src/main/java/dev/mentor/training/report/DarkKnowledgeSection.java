package dev.mentor.training.report;

import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.training.distill.DarkKnowledge;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The dark-knowledge part of a task's distillation section: for every teacher arm the task's
 * students learn from and whose runs wrote a {@link DarkKnowledge} view, the views pooled over
 * seeds as a table of the soft targets' entropy against T, the most confused class pairs, a
 * heatmap of the mean soft target per true class at each temperature and a chart of the entropy
 * against T (PNGs under {@code charts/}). Pairs are ranked at the students' temperature (the most
 * common among them, else a student's default). Renders nothing when no teacher has a view.
 */
final class DarkKnowledgeSection {
  static final int PAIRS = 5;

  private DarkKnowledgeSection() {}

  /** The section for {@code task}'s arms; {@code views}: per teacher arm, its seeds' views. */
  static String render(Path experimentDir, String task, List<ArmResults> arms, Map<String, List<DarkKnowledge>> views) {
    Map<String, List<ArmResults>> studentsByTeacher = new LinkedHashMap<>();
    for (ArmResults arm : arms) {
      if (arm.isStudent()) {
        studentsByTeacher.computeIfAbsent(DarkKnowledge.teacherKey(arm.spec().distill().teacher()), t -> new ArrayList<>()).add(arm);
      }
    }
    StringBuilder out = new StringBuilder();
    studentsByTeacher.forEach((teacher, students) -> {
      List<DarkKnowledge> seeds = views.getOrDefault(teacher, List.of());
      if (!seeds.isEmpty()) {
        out.append(teacherView(experimentDir, task, teacher, students, seeds));
      }
    });
    return out.toString();
  }

  private static String teacherView(Path experimentDir, String task, String teacher, List<ArmResults> students, List<DarkKnowledge> seeds) {
    DarkKnowledge view = DarkKnowledge.mean(seeds);
    int k = view.classes().size();
    double rankAt = view.nearestTemperature(studentsTemperature(students));
    StringBuilder out = new StringBuilder("#### Dark knowledge of teacher " + Cells.quote(teacher) + "\n\n");
    out.append("What ").append(Cells.quote(teacher)).append(" passes on to ")
        .append(students.stream().map(s -> Cells.quote(s.name())).collect(Collectors.joining(", ")))
        .append(String.format(Locale.ROOT, ": its soft targets on the %s split, %d samples pooled over %d %s", view.split(), view.samples(),
            seeds.size(), seeds.size() == 1 ? "seed" : "seeds"))
        .append(view.average().equals(DistillSpec.Average.LOGITS.toString()) ? ", an ensemble's members' logits averaged" : "")
        .append(". How to read it: cell (i, j) of a heatmap is the mean probability the teacher's soft target at temperature T gives"
            + " class j on samples of true class i; the brighter the cells off the diagonal, the more the teacher tells a student"
            + " which classes look alike, and as T grows every row tends to uniform (entropy → ln C = ")
        .append(String.format(Locale.ROOT, "%.3f", Math.log(k))).append(" nats).\n\n");
    if (view.flooredProbabilities() > 0) {
      out.append("- ").append(view.flooredProbabilities()).append(" probabilities were 0 in single precision; their logs were floored at the"
          + " smallest float's, an upper bound on their weight at high T.\n\n");
    }
    out.append(DarkKnowledgeTables.entropy(view)).append('\n');
    out.append("Most confused class pairs, ranked at T = ").append(DarkKnowledge.plain(rankAt))
        .append(" (the students' temperature): the mass each class's soft target puts on the other, (M[i][j] + M[j][i]) / 2.\n\n")
        .append(DarkKnowledgeTables.pairs(view, rankAt, PAIRS)).append('\n');
    String prefix = LearningCurveCharts.FOLDER + "/" + (task + "-teacher-" + teacher).replaceAll("[^A-Za-z0-9._-]", "_");
    for (double t : view.temperatureList()) {
      String file = prefix + "-T" + DarkKnowledgeCharts.fileName(t) + ".png";
      DarkKnowledgeCharts.writePng(experimentDir.resolve(file), DarkKnowledgeCharts.heatmap(teacher, view, t));
      out.append("![").append(teacher.replace("]", ")").replace("[", "(")).append(": mean soft target per true class, T = ")
          .append(DarkKnowledge.plain(t)).append("](").append(file).append(")\n\n");
    }
    String file = prefix + "-entropy.png";
    DarkKnowledgeCharts.writePng(experimentDir.resolve(file),
        DarkKnowledgeCharts.entropy(teacher + ": entropy of its soft targets against T", List.of(teacher), List.of(view)));
    out.append("![").append(teacher.replace("]", ")").replace("[", "(")).append(": entropy of its soft targets against T](").append(file)
        .append(")\n\n");
    return out.toString();
  }

  /** The temperature most of the students distil at (ties: the lowest); a student's default when none uses soft targets. */
  private static double studentsTemperature(List<ArmResults> students) {
    Map<Double, Long> counts = students.stream().map(s -> s.spec().distill())
        .filter(d -> d.logits() == DistillSpec.LogitMode.SOFT_TARGETS)
        .collect(Collectors.groupingBy(DistillSpec::logitTemperature, Collectors.counting()));
    return counts.entrySet().stream()
        .max(Comparator.comparingLong((Map.Entry<Double, Long> e) -> e.getValue()).thenComparing(e -> -e.getKey()))
        .map(Map.Entry::getKey).orElse(DarkKnowledge.DEFAULT_RANKING_TEMPERATURE);
  }
}
