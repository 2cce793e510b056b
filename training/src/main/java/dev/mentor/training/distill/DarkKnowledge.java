package dev.mentor.training.distill;

import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.eval.Predictions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The class-similarity structure a teacher passes on to its students ("dark knowledge"), measured
 * on one data split with its true labels. For each temperature T: the mean soft target per true
 * class, {@code M_T[i][j]} = the mean over the samples of true class i of the teacher's tempered
 * probability of class j (each row sums to 1), and the mean entropy of the soft targets in nats
 * and as a fraction of ln C (1: uniform). An ensemble's soft target is made as a student's is
 * ({@link EnsembleTargets}): the mean of its members' tempered probabilities, or ({@code average:
 * logits}) the tempered softmax of their mean logits. The class pairs the teacher confuses most are
 * those with the largest symmetric off-diagonal mass {@code (M_T[i][j] + M_T[j][i]) / 2}.
 *
 * <p>{@code classSamples} counts each class's samples; a class without samples has a row of zeros
 * and its pairs are measured from the other class's side alone. {@code flooredProbabilities}
 * counts the probabilities that were 0 in single precision when the view was made from
 * probabilities instead of logits ({@link #ofPredictions}): their log is taken at the smallest
 * float's, so at high T they carry at most the weight they would have had at that bound.
 */
public record DarkKnowledge(String teacher, String split, int samples, String average, List<String> classes, List<Integer> classSamples,
    int flooredProbabilities, List<Level> levels) {
  /** The file a teacher run writes its view to, next to its results. */
  public static final String FILE = "dark-knowledge.json";
  /** The temperatures a run's view covers unless its students distil at others too. */
  public static final List<Double> DEFAULT_TEMPERATURES = List.of(1.0, 2.0, 4.0, 8.0, 20.0);
  /** The temperature pairs are ranked at when no student says otherwise: a student's default {@code distill.temperature}. */
  public static final double DEFAULT_RANKING_TEMPERATURE = 4.0;
  /** ln of the smallest positive float: where the log of a probability that underflowed to 0 is floored. */
  private static final double LOG_FLOOR = Math.log(Float.MIN_VALUE);

  /** The view at one temperature: the mean soft target per true class (rows: true class) and the soft targets' mean entropy. */
  public record Level(double temperature, double meanEntropy, double entropyFraction, double[][] meanSoftTargets) {
    public Level {
      if (!(temperature > 0) || Double.isInfinite(temperature)) {
        throw new IllegalArgumentException("temperature must be a finite number > 0, got " + temperature);
      }
      if (meanSoftTargets == null || meanSoftTargets.length == 0) {
        throw new IllegalArgumentException("meanSoftTargets must hold one row per class");
      }
      for (int i = 0; i < meanSoftTargets.length; i++) {
        if (meanSoftTargets[i].length != meanSoftTargets.length) {
          throw new IllegalArgumentException("meanSoftTargets must be square (classes x classes), row " + i + " has "
              + meanSoftTargets[i].length + " values for " + meanSoftTargets.length + " classes");
        }
      }
    }

    /** The mean over classes of the mass a class's soft targets keep on the class itself. */
    public double diagonalMass() {
      double sum = 0;
      for (int i = 0; i < meanSoftTargets.length; i++) {
        sum += meanSoftTargets[i][i];
      }
      return sum / meanSoftTargets.length;
    }
  }

  /** Two classes (by label, {@code first < second}) and the soft-target mass each puts on the other, averaged over both directions. */
  public record Pair(int first, int second, String firstName, String secondName, double mass) {
    /** e.g. {@code Shirt / T-shirt/top}. */
    public String names() {
      return firstName + " / " + secondName;
    }
  }

  public DarkKnowledge {
    classes = List.copyOf(classes);
    classSamples = List.copyOf(classSamples);
    levels = List.copyOf(levels);
    if (classes.size() < 2) {
      throw new IllegalArgumentException("classes must name at least 2 classes, got " + classes.size());
    }
    if (classSamples.size() != classes.size()) {
      throw new IllegalArgumentException("classSamples must count each of the " + classes.size() + " classes, got " + classSamples.size());
    }
    if (levels.isEmpty()) {
      throw new IllegalArgumentException("levels must hold at least one temperature");
    }
    for (Level level : levels) {
      if (level.meanSoftTargets().length != classes.size()) {
        throw new IllegalArgumentException("the level at T = " + level.temperature() + " has " + level.meanSoftTargets().length
            + " classes, the view " + classes.size());
      }
    }
  }

  /**
   * {@code values} itself when it lists at least one finite temperature > 0; otherwise
   * IllegalArgumentException naming {@code field} and the offending index, e.g.
   * {@code temperatures[2] must be > 0, got -1.0}.
   */
  public static List<Double> temperatures(String field, List<Double> values) {
    if (values == null || values.isEmpty()) {
      throw new IllegalArgumentException(field + " must list at least one temperature > 0, e.g. 1,2,4,8,20");
    }
    for (int i = 0; i < values.size(); i++) {
      Double t = values.get(i);
      if (t == null || !(t > 0)) {
        throw new IllegalArgumentException(field + "[" + i + "] must be > 0, got " + plain(t));
      }
      if (Double.isInfinite(t)) {
        throw new IllegalArgumentException(field + "[" + i + "] must be finite, got " + t);
      }
    }
    return List.copyOf(values);
  }

  /** A temperature as a person writes it: 4 rather than 4.0, 0.5 as itself. */
  public static String plain(Double t) {
    return t == null ? "nothing" : t == Math.rint(t) && !Double.isInfinite(t) && Math.abs(t) < 1e15 ? String.valueOf(t.longValue()) : String.valueOf(t);
  }

  /**
   * The view of a teacher whose logits are {@code memberLogits}, sample-major
   * {@code [samples][members][classes]} as {@link Teacher} gives them, for samples with true labels
   * {@code labels} (0..C-1); {@code classes} names the C classes.
   */
  public static DarkKnowledge of(String teacher, String split, float[] memberLogits, int members, int[] labels, List<String> classes,
      List<Double> temperatures, Average average) {
    return compute(teacher, split, toDouble(memberLogits), members, labels, classes, temperatures, average, 0);
  }

  /**
   * The view from each member's class probabilities on the same samples (a single model: one
   * member), through their logs: {@code softmax(log p / T) = softmax(z / T)} since {@code log p}
   * differs from the logits z by a constant per sample, so the view is exact but for probabilities
   * that underflowed to 0 (counted in {@link #flooredProbabilities}).
   *
   * @throws IllegalArgumentException if the members differ in samples, labels or classes
   */
  public static DarkKnowledge ofPredictions(String teacher, String split, List<Predictions> members, List<String> classes, List<Double> temperatures,
      Average average) {
    if (members.isEmpty()) {
      throw new IllegalArgumentException("members must hold at least one model's predictions");
    }
    Predictions first = members.get(0);
    int k = first.numClasses();
    for (int m = 1; m < members.size(); m++) {
      Predictions member = members.get(m);
      if (member.numClasses() != k || !Arrays.equals(member.labels(), first.labels()) || !Arrays.equals(member.sampleIds(), first.sampleIds())) {
        throw new IllegalArgumentException("member " + m + "'s predictions are not of member 0's samples, labels and classes");
      }
    }
    int n = first.size();
    int count = members.size();
    double[] logs = new double[n * count * k];
    int floored = 0;
    for (int m = 0; m < count; m++) {
      float[] p = members.get(m).probabilities();
      for (int i = 0; i < n; i++) {
        for (int c = 0; c < k; c++) {
          float value = p[i * k + c];
          if (value > 0) {
            logs[(i * count + m) * k + c] = Math.log(value);
          } else {
            logs[(i * count + m) * k + c] = LOG_FLOOR;
            floored++;
          }
        }
      }
    }
    return compute(teacher, split, logs, count, first.labels(), classes, temperatures, average, floored);
  }

  private static DarkKnowledge compute(String teacher, String split, double[] logits, int members, int[] labels, List<String> classes,
      List<Double> temperatures, Average average, int floored) {
    temperatures("temperatures", temperatures);
    int k = classes.size();
    int n = labels.length;
    if (members < 1 || logits.length != (long) n * members * k) {
      throw new IllegalArgumentException("logits must hold samples x members x classes = " + n + " x " + members + " x " + k
          + " values, got " + logits.length);
    }
    int[] counts = new int[k];
    for (int i = 0; i < n; i++) {
      if (labels[i] < 0 || labels[i] >= k) {
        throw new IllegalArgumentException("labels[" + i + "] must be a class 0.." + (k - 1) + ", got " + labels[i]);
      }
      counts[labels[i]]++;
    }
    boolean meanLogits = average == Average.LOGITS;
    List<Level> levels = new ArrayList<>();
    double[] target = new double[k];
    double[] tempered = new double[k];
    for (double t : temperatures) {
      double[][] sums = new double[k][k];
      double entropy = 0;
      for (int i = 0; i < n; i++) {
        softTarget(logits, i, members, k, t, meanLogits, target, tempered);
        double[] row = sums[labels[i]];
        for (int c = 0; c < k; c++) {
          row[c] += target[c];
          entropy -= target[c] > 0 ? target[c] * Math.log(target[c]) : 0;
        }
      }
      for (int c = 0; c < k; c++) {
        for (int j = 0; j < k; j++) {
          sums[c][j] = counts[c] == 0 ? 0 : sums[c][j] / counts[c];
        }
      }
      double meanEntropy = n == 0 ? Double.NaN : entropy / n;
      levels.add(new Level(t, meanEntropy, meanEntropy / Math.log(k), sums));
    }
    return new DarkKnowledge(teacher, split, n, (average == null ? Average.PROBABILITIES : average).toString(), classes,
        Arrays.stream(counts).boxed().toList(), floored, levels);
  }

  /** Sample {@code i}'s soft target at temperature {@code t} into {@code target}, as {@link EnsembleTargets#probabilities} makes it. */
  private static void softTarget(double[] logits, int i, int members, int k, double t, boolean meanLogits, double[] target, double[] tempered) {
    Arrays.fill(target, 0);
    if (meanLogits) {
      Arrays.fill(tempered, 0);
      for (int m = 0; m < members; m++) {
        int base = (i * members + m) * k;
        for (int c = 0; c < k; c++) {
          tempered[c] += logits[base + c] / members;
        }
      }
      softmaxInto(tempered, 0, k, t, target, 1.0);
      return;
    }
    for (int m = 0; m < members; m++) {
      softmaxInto(logits, (i * members + m) * k, k, t, target, 1.0 / members);
    }
  }

  /** Adds {@code weight · softmax(z / t)} of {@code z = values[offset .. offset + k)} to {@code into}. */
  private static void softmaxInto(double[] values, int offset, int k, double t, double[] into, double weight) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      max = Math.max(max, values[offset + c]);
    }
    double[] e = new double[k];
    double sum = 0;
    for (int c = 0; c < k; c++) {
      e[c] = Math.exp((values[offset + c] - max) / t);
      sum += e[c];
    }
    for (int c = 0; c < k; c++) {
      into[c] += weight * e[c] / sum;
    }
  }

  private static double[] toDouble(float[] values) {
    double[] out = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = values[i];
    }
    return out;
  }

  /** The temperatures of the view, in its order. */
  public List<Double> temperatureList() {
    return levels.stream().map(Level::temperature).toList();
  }

  /** The level at temperature {@code t}; IllegalArgumentException listing the view's temperatures when it has none at t. */
  public Level level(double t) {
    return levels.stream().filter(l -> l.temperature() == t).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no level at T = " + t + "; the view has T = " + temperatureList()));
  }

  /** The view's temperature nearest {@code preferred} on a log scale (itself when the view has it), to rank pairs at. */
  public double nearestTemperature(double preferred) {
    return levels.stream().map(Level::temperature)
        .min(Comparator.comparingDouble((Double t) -> Math.abs(Math.log(t / preferred))).thenComparingDouble(t -> t))
        .orElseThrow();
  }

  /** Pair i < j's mass at {@code t}: {@code (M[i][j] + M[j][i]) / 2}, from the side that has samples when one class has none. */
  public double pairMass(double t, int i, int j) {
    double[][] m = level(t).meanSoftTargets();
    boolean a = classSamples.get(i) > 0;
    boolean b = classSamples.get(j) > 0;
    return a && b ? (m[i][j] + m[j][i]) / 2 : a ? m[i][j] : b ? m[j][i] : 0;
  }

  /** The {@code count} pairs with the largest mass at {@code t}, largest first (ties: lower labels first). */
  public List<Pair> topPairs(double t, int count) {
    List<Pair> pairs = new ArrayList<>();
    for (int i = 0; i < classes.size(); i++) {
      for (int j = i + 1; j < classes.size(); j++) {
        pairs.add(new Pair(i, j, classes.get(i), classes.get(j), pairMass(t, i, j)));
      }
    }
    pairs.sort(Comparator.comparingDouble(Pair::mass).reversed());
    return List.copyOf(pairs.subList(0, Math.min(count, pairs.size())));
  }

  /**
   * The pooled view of one teacher arm at several seeds: at each temperature all views have (in the
   * first view's order), each class's row averaged over the views weighted by the class's samples
   * in each, and the entropy weighted by each view's samples; samples and class counts summed. The
   * first view names the teacher, split and averaging.
   *
   * @throws IllegalArgumentException if the views name different classes or share no temperature
   */
  public static DarkKnowledge mean(List<DarkKnowledge> views) {
    DarkKnowledge first = views.get(0);
    int k = first.classes().size();
    for (DarkKnowledge view : views) {
      if (!view.classes().equals(first.classes())) {
        throw new IllegalArgumentException("views of different classes cannot be averaged: " + first.classes() + " and " + view.classes());
      }
    }
    int[] counts = new int[k];
    views.forEach(v -> {
      for (int c = 0; c < k; c++) {
        counts[c] += v.classSamples().get(c);
      }
    });
    int samples = views.stream().mapToInt(DarkKnowledge::samples).sum();
    List<Level> levels = new ArrayList<>();
    for (double t : first.temperatureList()) {
      if (!views.stream().allMatch(v -> v.temperatureList().contains(t))) {
        continue;
      }
      double[][] sum = new double[k][k];
      double entropy = 0;
      for (DarkKnowledge view : views) {
        Level level = view.level(t);
        for (int i = 0; i < k; i++) {
          double weight = counts[i] == 0 ? 0 : (double) view.classSamples().get(i) / counts[i];
          for (int j = 0; j < k; j++) {
            sum[i][j] += level.meanSoftTargets()[i][j] * weight;
          }
        }
        entropy += view.samples() == 0 ? 0 : level.meanEntropy() * view.samples() / samples;
      }
      levels.add(new Level(t, samples == 0 ? Double.NaN : entropy, samples == 0 ? Double.NaN : entropy / Math.log(k), sum));
    }
    if (levels.isEmpty()) {
      throw new IllegalArgumentException("the views share no temperature");
    }
    return new DarkKnowledge(first.teacher(), first.split(), samples, first.average(), first.classes(), Arrays.stream(counts).boxed().toList(),
        views.stream().mapToInt(DarkKnowledge::flooredProbabilities).sum(), levels);
  }

  /**
   * How reports name a student's teacher: the arm, for a teacher that is one arm; else the teacher
   * without its seed ({@code checkpoint teacher.params}, {@code ensemble of arms a, b}).
   */
  public static String teacherKey(TeacherSpec teacher) {
    if (teacher.arm() != null) {
      return teacher.arm();
    }
    return teacher.arms() != null ? "ensemble of arms " + String.join(", ", teacher.arms()) : "checkpoint " + teacher.checkpoint();
  }
}
