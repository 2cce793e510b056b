package dev.mentor.training.eval;

import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.EnsembleMetrics.EnsembleSizeMetrics;
import dev.mentor.messages.record.EnsembleMetrics.UncertaintyStats;
import dev.mentor.messages.record.EvalMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Deep-ensemble evaluation from the members' predictions on the same samples. With M members
 * predicting p_m(c | x), the ensemble predicts the mean p̄(c | x) = (1/M) Σ_m p_m(c | x); its
 * uncertainty on x is split (natural log, 0·log 0 = 0, H[q] = −Σ_c q(c) log q(c)) into
 * <ul>
 *   <li>{@code entropy} H[p̄] (total uncertainty),
 *   <li>{@code expectedEntropy} (1/M) Σ_m H[p_m] (aleatoric part),
 *   <li>{@code mutualInformation} H[p̄] − (1/M) Σ_m H[p_m] (epistemic part, ≥ 0 by Jensen),
 *   <li>{@code disagreement} Σ_c (1/M) Σ_m (p_m(c) − p̄(c))² (population variance, summed over classes).
 * </ul>
 * How well a measure flags distribution shift is the AUROC of its per-sample scores, shifted
 * inputs counted as positives. Every computation is in double; the averaged probabilities are
 * stored back as float like any {@link Predictions}.
 */
public final class Ensembles {
  /** Key of the in-distribution test set in {@link EnsembleMetrics#uncertainty()}. */
  public static final String TEST = "test";

  /** Key of the validation set in {@link EnsembleMetrics#uncertainty()}, when it is given. */
  public static final String VALIDATION = "validation";

  private Ensembles() {}

  /**
   * The ensemble's predictions: p̄(i, c) = (1/M) Σ_m p_m(i, c), summed in double in member order.
   *
   * @throws IllegalArgumentException if there are no members, or a member differs from member 0
   *     in size, number of classes, label or sample id (the message names the member and index);
   *     averaging misaligned members would silently mix predictions for different samples
   */
  public static Predictions average(List<Predictions> members) {
    Predictions first = requireAligned(members);
    double[] sums = new double[first.probabilities().length];
    for (Predictions member : members) {
      float[] p = member.probabilities();
      for (int j = 0; j < sums.length; j++) {
        sums[j] += p[j];
      }
    }
    float[] mean = new float[sums.length];
    for (int j = 0; j < sums.length; j++) {
      mean[j] = (float) (sums[j] / members.size());
    }
    return new Predictions(mean, first.labels().clone(), first.sampleIds().clone(), first.numClasses());
  }

  /**
   * Per-sample uncertainty of the ensemble, with the formulas of the class comment. Mutual
   * information is never negative in exact arithmetic, so a negative result is rounding and is
   * clamped to 0.
   *
   * @throws IllegalArgumentException on misaligned members, as {@link #average}
   */
  public static Uncertainty uncertainty(List<Predictions> members) {
    Predictions first = requireAligned(members);
    int n = first.size();
    int k = first.numClasses();
    int m = members.size();
    double[] entropy = new double[n];
    double[] expectedEntropy = new double[n];
    double[] mutualInformation = new double[n];
    double[] disagreement = new double[n];
    double[] mean = new double[k];
    for (int i = 0; i < n; i++) {
      Arrays.fill(mean, 0);
      double memberEntropies = 0;
      for (Predictions member : members) {
        double h = 0;
        for (int c = 0; c < k; c++) {
          double q = member.probability(i, c);
          mean[c] += q;
          h -= plogp(q);
        }
        memberEntropies += h;
      }
      double h = 0;
      for (int c = 0; c < k; c++) {
        mean[c] /= m;
        h -= plogp(mean[c]);
      }
      double variances = 0;
      for (Predictions member : members) {
        for (int c = 0; c < k; c++) {
          double d = member.probability(i, c) - mean[c];
          variances += d * d;
        }
      }
      entropy[i] = h;
      expectedEntropy[i] = memberEntropies / m;
      mutualInformation[i] = Math.max(0, h - expectedEntropy[i]);
      disagreement[i] = variances / m;
    }
    return new Uncertainty(entropy, expectedEntropy, mutualInformation, disagreement);
  }

  /**
   * Area under the ROC curve of a score that should be higher on {@code positives}: the
   * Mann–Whitney statistic
   * <pre>
   *   AUROC = (1 / (|P|·|N|)) Σ_{p∈P} Σ_{n∈N} ( [p &gt; n] + ½·[p = n] )
   * </pre>
   * i.e. P(pos &gt; neg) + ½·P(pos = neg) for a random pair; 1 = perfect separation, 0.5 = none
   * (or all scores tied), 0 = perfectly reversed. It equals the rank-sum form
   * (R_P − |P|(|P|+1)/2) / (|P|·|N|) with average ranks for ties. Computed in O(n log n) by
   * sorting both sides and merging; the pair counts are kept as exact integers (doubled, so the
   * half for a tie stays whole). −0.0 and 0.0 count as tied.
   *
   * @return NaN if either side is empty
   * @throws IllegalArgumentException if a score is NaN (it would have no place in the ranking)
   */
  public static double auroc(double[] negatives, double[] positives) {
    requireNoNaN("negatives", negatives);
    requireNoNaN("positives", positives);
    if (negatives.length == 0 || positives.length == 0) {
      return Double.NaN;
    }
    double[] neg = negatives.clone();
    double[] pos = positives.clone();
    Arrays.sort(neg);
    Arrays.sort(pos);
    long twiceWins = 0;
    int below = 0; // negatives < current positive
    int atOrBelow = 0; // negatives <= current positive
    for (double p : pos) {
      while (below < neg.length && neg[below] < p) {
        below++;
      }
      atOrBelow = Math.max(atOrBelow, below);
      while (atOrBelow < neg.length && neg[atOrBelow] <= p) {
        atOrBelow++;
      }
      twiceWins += 2L * below + (atOrBelow - below);
    }
    return twiceWins / (2.0 * neg.length * pos.length);
  }

  /**
   * Everything {@link EnsembleMetrics} reports, from the members' predictions on the test set and
   * on each shifted test set (the same members in the same order in every list):
   * <ul>
   *   <li>{@code bySize}: for k = 1..M, accuracy, NLL and ECE ({@link Metrics#of}) of
   *       {@link #average} of the first k members;
   *   <li>{@code averageMember}: each member's own {@link Metrics#of} on the test set, averaged:
   *       accuracy, NLL, ECE and per-class accuracy are the means over members (a class absent
   *       from the test labels stays null; all members share the labels, so it is absent for all);
   *       {@code samples} is the test-set size; {@code confusion} is the element-wise <em>sum</em>
   *       of the members' confusion matrices, i.e. the pooled counts of all M·n member predictions,
   *       so its trace over its total is the mean accuracy and each row's diagonal over the row's
   *       total is the mean per-class accuracy (a mean matrix would need fractional counts);
   *   <li>{@code uncertainty}: {@value #TEST} and each shift label → the mean over that set's
   *       samples of entropy, mutual information and disagreement ({@link #uncertainty});
   *   <li>{@code auroc}: shift label → measure ({@link Uncertainty#MEASURES}) →
   *       {@link #auroc}(test scores, shifted scores).
   * </ul>
   * With one member, mutual information and disagreement are 0 everywhere, so their AUROC is 0.5;
   * that is the honest answer (a single model has no epistemic signal), not an error. Maps keep
   * the order of {@code shiftedMembers}.
   *
   * @throws IllegalArgumentException if the seeds do not match the members one to one, a shifted
   *     set has another number of members, a shift is labelled {@value #TEST}, or members of a set
   *     are misaligned
   */
  public static EnsembleMetrics metrics(
      List<Long> memberSeeds, List<Predictions> testMembers, Map<String, List<Predictions>> shiftedMembers) {
    int m = testMembers.size();
    if (memberSeeds.size() != m) {
      throw new IllegalArgumentException("memberSeeds has " + memberSeeds.size() + " seeds for " + m + " members");
    }
    for (Map.Entry<String, List<Predictions>> shift : shiftedMembers.entrySet()) {
      if (shift.getKey().equals(TEST) || shift.getKey().equals(VALIDATION)) {
        throw new IllegalArgumentException("shift label '" + shift.getKey() + "' is reserved for the in-distribution sets");
      }
      if (shift.getValue().size() != m) {
        throw new IllegalArgumentException(
            "shift '" + shift.getKey() + "' has predictions of " + shift.getValue().size() + " members, the test set of " + m);
      }
    }
    requireAligned(testMembers);

    List<EnsembleSizeMetrics> bySize = new ArrayList<>();
    for (int k = 1; k <= m; k++) {
      EvalMetrics ensemble = Metrics.of(average(testMembers.subList(0, k)));
      bySize.add(new EnsembleSizeMetrics(k, ensemble.accuracy(), ensemble.nll(), ensemble.ece()));
    }

    Uncertainty test = uncertainty(testMembers);
    Map<String, UncertaintyStats> uncertainty = new LinkedHashMap<>();
    uncertainty.put(TEST, test.stats());
    Map<String, Map<String, Double>> auroc = new LinkedHashMap<>();
    for (Map.Entry<String, List<Predictions>> shift : shiftedMembers.entrySet()) {
      Uncertainty shifted = uncertainty(shift.getValue());
      uncertainty.put(shift.getKey(), shifted.stats());
      Map<String, Double> byMeasure = new LinkedHashMap<>();
      for (String measure : Uncertainty.MEASURES) {
        byMeasure.put(measure, auroc(test.measure(measure), shifted.measure(measure)));
      }
      auroc.put(shift.getKey(), Collections.unmodifiableMap(byMeasure));
    }
    return new EnsembleMetrics(
        m,
        List.copyOf(memberSeeds),
        List.copyOf(bySize),
        averageMember(testMembers),
        Collections.unmodifiableMap(uncertainty),
        Collections.unmodifiableMap(auroc));
  }

  /**
   * As {@link #metrics(List, List, Map)}, with the mean uncertainty on the validation set too
   * (key {@value #VALIDATION}, first): what a monitor shows while the test set stays unseen.
   */
  public static EnsembleMetrics metrics(List<Long> memberSeeds, List<Predictions> validationMembers, List<Predictions> testMembers,
      Map<String, List<Predictions>> shiftedMembers) {
    if (validationMembers.size() != testMembers.size()) {
      throw new IllegalArgumentException(
          "validation has predictions of " + validationMembers.size() + " members, the test set of " + testMembers.size());
    }
    requireAligned(validationMembers);
    EnsembleMetrics m = metrics(memberSeeds, testMembers, shiftedMembers);
    Map<String, UncertaintyStats> uncertainty = new LinkedHashMap<>();
    uncertainty.put(VALIDATION, uncertainty(validationMembers).stats());
    uncertainty.putAll(m.uncertainty());
    return new EnsembleMetrics(m.members(), m.memberSeeds(), m.bySize(), m.averageMember(), Collections.unmodifiableMap(uncertainty), m.auroc());
  }

  private static EvalMetrics averageMember(List<Predictions> members) {
    int m = members.size();
    int k = members.get(0).numClasses();
    double accuracy = 0;
    double nll = 0;
    double ece = 0;
    double[] perClass = new double[k];
    boolean[] present = new boolean[k];
    int[][] confusion = new int[k][k];
    for (Predictions member : members) {
      EvalMetrics own = Metrics.of(member);
      accuracy += own.accuracy();
      nll += own.nll();
      ece += own.ece();
      for (int c = 0; c < k; c++) {
        Double classAccuracy = own.perClassAccuracy().get(c);
        if (classAccuracy != null) {
          present[c] = true;
          perClass[c] += classAccuracy;
        }
        for (int j = 0; j < k; j++) {
          confusion[c][j] += own.confusion().get(c).get(j);
        }
      }
    }
    List<Double> perClassMeans = new ArrayList<>();
    List<List<Integer>> pooled = new ArrayList<>();
    for (int c = 0; c < k; c++) {
      perClassMeans.add(present[c] ? perClass[c] / m : null);
      List<Integer> row = new ArrayList<>();
      for (int j = 0; j < k; j++) {
        row.add(confusion[c][j]);
      }
      pooled.add(row);
    }
    return new EvalMetrics(members.get(0).size(), accuracy / m, nll / m, ece / m, perClassMeans, pooled);
  }

  private static Predictions requireAligned(List<Predictions> members) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("an ensemble needs at least one member");
    }
    Predictions first = members.get(0);
    for (int m = 0; m < members.size(); m++) {
      Predictions member = members.get(m);
      if (member.probabilities().length != member.size() * member.numClasses()) {
        throw new IllegalArgumentException("member " + m + " has " + member.probabilities().length + " probabilities for "
            + member.size() + " samples × " + member.numClasses() + " classes");
      }
      if (member.size() != first.size() || member.numClasses() != first.numClasses()) {
        throw new IllegalArgumentException("member " + m + " predicts " + member.size() + " samples × " + member.numClasses()
            + " classes, member 0 " + first.size() + " × " + first.numClasses());
      }
      for (int i = 0; i < first.size(); i++) {
        if (member.sampleIds()[i] != first.sampleIds()[i]) {
          throw new IllegalArgumentException("member " + m + " has sample id " + member.sampleIds()[i] + " at index " + i
              + ", member 0 has " + first.sampleIds()[i]);
        }
        if (member.labels()[i] != first.labels()[i]) {
          throw new IllegalArgumentException("member " + m + " has label " + member.labels()[i] + " at index " + i
              + " (sample id " + first.sampleIds()[i] + "), member 0 has " + first.labels()[i]);
        }
      }
    }
    return first;
  }

  private static void requireNoNaN(String side, double[] scores) {
    for (int i = 0; i < scores.length; i++) {
      if (Double.isNaN(scores[i])) {
        throw new IllegalArgumentException("auroc " + side + "[" + i + "] is NaN");
      }
    }
  }

  /** q·log q with 0·log 0 = 0; a NaN or negative q gives NaN, so a broken input is not hidden. */
  private static double plogp(double q) {
    return q == 0 ? 0 : q * Math.log(q);
  }

  /**
   * Per-sample ensemble uncertainty (one entry per sample, in the members' order), with the
   * formulas of {@link Ensembles}. {@link #MEASURES} are the names of the scores that can flag
   * shifted inputs; {@code expectedEntropy} is kept for the decomposition
   * entropy = expectedEntropy + mutualInformation but is not itself a named measure.
   */
  public record Uncertainty(double[] entropy, double[] expectedEntropy, double[] mutualInformation, double[] disagreement) {
    public static final List<String> MEASURES = List.of("entropy", "mutual-information", "disagreement");

    /** The per-sample scores of the named measure, one of {@link #MEASURES}. */
    public double[] measure(String name) {
      return switch (name) {
        case "entropy" -> entropy;
        case "mutual-information" -> mutualInformation;
        case "disagreement" -> disagreement;
        default -> throw new IllegalArgumentException("unknown uncertainty measure '" + name + "'; known: " + String.join(", ", MEASURES));
      };
    }

    /** Each measure's mean over the samples (NaN for no samples). */
    public UncertaintyStats stats() {
      return new UncertaintyStats(mean(entropy), mean(mutualInformation), mean(disagreement));
    }

    private static double mean(double[] values) {
      return Arrays.stream(values).average().orElse(Double.NaN);
    }
  }
}
