package dev.mentor.training.report;

import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec.Strategy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Plain-language findings for one task, computed from mean test accuracies: each fine-tuned arm
 * against the linear probe with the same init (the linear-probing criterion), each transfer arm
 * against scratch, each distillation student against its model trained from scratch, the best
 * arm, the logistic-regression baseline and unequal budgets. Two means within one pooled standard
 * deviation of each other are reported as on par.
 */
final class Findings {
  private static final Set<Strategy> FINE_TUNING = EnumSet.of(Strategy.PARTIAL, Strategy.FULL, Strategy.LP_FT);

  private final List<ArmResults> arms;

  private Findings(List<ArmResults> arms) {
    this.arms = arms;
  }

  /** Findings for the arms of one task, in spec order; arms without a test accuracy are not compared. */
  static List<String> of(List<ArmResults> taskArms) {
    Findings findings = new Findings(taskArms.stream().filter(a -> a.testAccuracy().n() > 0).toList());
    List<String> lines = new ArrayList<>();
    lines.addAll(findings.versusLinearProbe());
    lines.addAll(findings.versusScratch());
    lines.addAll(findings.studentsVersusScratch());
    lines.addAll(findings.best());
    lines.addAll(findings.versusLogistic());
    lines.addAll(findings.budgets());
    return lines;
  }

  private List<String> versusLinearProbe() {
    List<String> lines = new ArrayList<>();
    for (ArmResults arm : arms) {
      if (!FINE_TUNING.contains(arm.strategy())) {
        continue;
      }
      List<ArmResults> probes = arms.stream()
          .filter(p -> p.strategy() == Strategy.LINEAR_PROBE && p.initSource().equals(arm.initSource())).toList();
      if (probes.isEmpty()) {
        lines.add(quote(arm) + " has no linear probe from the same init (" + arm.initSource().orElseThrow()
            + ") in this task to be compared with.");
      }
      for (ArmResults probe : probes) {
        lines.add(versusLinearProbe(arm, probe));
      }
    }
    return lines;
  }

  private static String versusLinearProbe(ArmResults arm, ArmResults probe) {
    Comparison c = Comparison.of(arm.testAccuracy(), probe.testAccuracy());
    String versus = means(arm, probe);
    if (c.better()) {
      return quote(arm) + " beats the linear probe " + quote(probe) + " by " + points(c.points()) + " points (" + versus + ").";
    }
    if (c.onPar()) {
      return quote(arm) + " is on par with the linear probe " + quote(probe) + " (" + versus + "; " + withinStd(c) + ").";
    }
    return quote(arm) + " does NOT beat the linear probe " + quote(probe) + " (" + versus
        + "): by the linear-probing criterion, this transfer is ineffective here.";
  }

  private List<String> versusScratch() {
    List<ArmResults> transfers = arms.stream().filter(a -> a.strategy() != Strategy.SCRATCH).toList();
    List<ArmResults> scratch = arms.stream()
        .filter(a -> a.strategy() == Strategy.SCRATCH && !a.isLogistic() && !a.isStudent() && !a.isEnsemble()).toList();
    if (transfers.isEmpty()) {
      return List.of();
    }
    if (scratch.isEmpty()) {
      return List.of("No scratch arm in this task: transfer is not compared with training from random initialisation.");
    }
    List<String> lines = new ArrayList<>();
    for (ArmResults arm : transfers) {
      for (ArmResults base : scratch) {
        lines.add(versusScratch(arm, base));
      }
    }
    return lines;
  }

  private static String versusScratch(ArmResults arm, ArmResults base) {
    Comparison c = Comparison.of(arm.testAccuracy(), base.testAccuracy());
    String versus = means(arm, base);
    if (c.better()) {
      return quote(arm) + " beats scratch " + quote(base) + " by " + points(c.points()) + " points (" + versus + ").";
    }
    if (c.onPar()) {
      return quote(arm) + " is on par with scratch " + quote(base) + " (" + versus + "; " + withinStd(c) + ").";
    }
    return quote(arm) + " loses to scratch " + quote(base) + " by " + points(-c.points()) + " points (" + versus
        + "). A surprise is a bug until shown otherwise: check what is frozen, the loss and its reduction,"
        + " the BatchNorm mode and the label remapping before trusting it.";
  }

  /** Students against the same model trained from scratch in this task; the table says which have none. */
  private List<String> studentsVersusScratch() {
    List<String> lines = new ArrayList<>();
    for (ArmResults student : arms.stream().filter(ArmResults::isStudent).toList()) {
      for (ArmResults base : arms.stream().filter(b -> b.isScratchBaselineOf(student)).toList()) {
        lines.add(studentVersusScratch(student, base));
      }
    }
    return lines;
  }

  private static String studentVersusScratch(ArmResults student, ArmResults base) {
    Comparison c = Comparison.of(student.testAccuracy(), base.testAccuracy());
    String versus = means(student, base) + "; per seed " + Cells.accuracyDifference(student, base);
    if (c.better()) {
      return "Student " + quote(student) + " beats its scratch baseline " + quote(base) + " by " + points(c.points()) + " points (" + versus + ").";
    }
    if (c.onPar()) {
      return "Student " + quote(student) + " is on par with its scratch baseline " + quote(base) + " (" + versus + "; " + withinStd(c) + ").";
    }
    return "Student " + quote(student) + " loses to its scratch baseline " + quote(base) + " by " + points(-c.points()) + " points ("
        + versus + "). A surprise is a bug until shown otherwise: check the loss signs and reductions (where T² and α sit),"
        + " that the teacher runs in inference mode, the teacher's own accuracy and the label order before trusting it.";
  }

  private List<String> best() {
    if (arms.isEmpty()) {
      return List.of("No arm of this task has a test accuracy yet.");
    }
    ArmResults best = arms.stream().max(Comparator.comparingDouble(a -> a.testAccuracy().mean())).orElseThrow();
    String tied = arms.stream()
        .filter(a -> a != best && Comparison.of(best.testAccuracy(), a.testAccuracy()).onPar())
        .map(Findings::quote).collect(Collectors.joining(", "));
    return List.of("Highest mean test accuracy: " + quote(best) + " at " + best.testAccuracy().formatPercent() + " %."
        + (tied.isEmpty() ? "" : " On par with it (within one pooled std): " + tied + "."));
  }

  private List<String> versusLogistic() {
    List<ArmResults> logistic = arms.stream().filter(ArmResults::isLogistic).toList();
    if (logistic.isEmpty()) {
      return List.of("No logistic-regression baseline (model `logistic`) in this task.");
    }
    return logistic.stream().map(this::versusLogistic).toList();
  }

  private String versusLogistic(ArmResults baseline) {
    String notAbove = arms.stream()
        .filter(a -> a != baseline && !Comparison.of(a.testAccuracy(), baseline.testAccuracy()).better())
        .map(a -> quote(a) + " (" + percent(a) + ")").collect(Collectors.joining(", "));
    return "Logistic regression on raw inputs " + quote(baseline) + ": " + baseline.testAccuracy().formatPercent() + " %; "
        + (notAbove.isEmpty() ? "every other arm beats it." : "not beaten (worse or on par) by " + notAbove + ".");
  }

  private List<String> budgets() {
    if (arms.stream().map(Findings::plannedEpochs).distinct().count() <= 1) {
      return List.of();
    }
    String epochs = arms.stream().map(a -> quote(a) + " " + plannedEpochs(a)).collect(Collectors.joining(", "));
    return List.of("Planned epochs differ between arms (" + epochs + "): the budgets are not equal, so compare with care.");
  }

  /** Epochs the arm's runs planned in all their phases (LP-FT: probe plus fine-tuning; BatchNorm adaptation: 0). */
  private static int plannedEpochs(ArmResults arm) {
    return arm.runs().stream().mapToInt(RunRecord::epochsPlanned).max().orElse(arm.spec().epochs());
  }

  private static String quote(ArmResults arm) {
    return "`" + arm.name() + "`";
  }

  private static String means(ArmResults a, ArmResults b) {
    return percent(a) + " vs " + percent(b);
  }

  private static String percent(ArmResults arm) {
    return String.format(Locale.ROOT, "%.1f%%", arm.testAccuracy().mean() * 100);
  }

  private static String points(double points) {
    return String.format(Locale.ROOT, "%.1f", points);
  }

  private static String withinStd(Comparison c) {
    return "the difference of " + points(Math.abs(c.points())) + " points is within one pooled std of " + points(c.pooledStdPoints());
  }
}
