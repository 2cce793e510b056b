package dev.mentor.training.data;

import dev.mentor.messages.spec.ShiftSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.TaskSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Carves a {@link TaskSpec} out of a source: keeps the listed classes, relabels them {@code 0..k-1}
 * in the listed order, and draws per-class samples with a generator seeded by the seed and the
 * source class. Each class's training-file samples are shuffled once; validation takes the last
 * {@code validationPerClass} of that order and training the first {@code perClass}. Hence the same
 * seed always gives the same split, tasks listing the same class draw the same samples of it (arms
 * compared at one seed see the same target data), and a smaller {@code perClass} is a subset of a
 * larger one with an unchanged validation set, which keeps learning curves comparable.
 */
public final class TaskSplitter {
  private static final long TEST_SALT = 0x7E57;
  private static final long SHIFT_SALT = 0x5F1F7;
  private static final long OOD_SALT = 0x00D;

  private TaskSplitter() {}

  public static TaskData split(SourceData data, TaskSpec task, long seed) {
    List<Integer> classes = task.classes();
    for (int c : classes) {
      if (c >= data.numClasses()) {
        throw new DataException("classes: class index " + c + " does not exist; this data has " + data.numClasses()
            + " classes, valid indices are 0.." + (data.numClasses() - 1));
      }
    }
    List<int[]> trainByClass = indicesByClass(data.train(), classes);
    List<int[]> testByClass = indicesByClass(data.test(), classes);

    List<Integer> train = new ArrayList<>();
    List<Integer> validation = new ArrayList<>();
    List<Integer> test = new ArrayList<>();
    for (int j = 0; j < classes.size(); j++) {
      drawTrainingFile(data, task, classes.get(j), trainByClass.get(j), seed, train, validation);
      drawTestFile(data, task, classes.get(j), testByClass.get(j), seed, test);
    }
    // The full test file keeps its file order; only the listed classes' samples remain.
    if (task.testPerClass() == null) {
      test.sort(null);
    }

    int[] remap = remapping(classes, data.numClasses());
    ImageSet trainSet = relabel(data.train(), train, remap);
    ImageSet validationSet = relabel(data.train(), validation, remap);
    ImageSet testSet = relabel(data.test(), test, remap);
    if (task.shift() != null) {
      long shiftSeed = Seeds.mix(seed, SHIFT_SALT);
      trainSet = Shifts.apply(trainSet, task.shift(), shiftSeed);
      validationSet = Shifts.apply(validationSet, task.shift(), shiftSeed);
      testSet = Shifts.apply(testSet, task.shift(), shiftSeed);
    }
    List<String> names = classes.stream().map(c -> data.classNames().get(c)).toList();
    return new TaskData(trainSet, validationSet, testSet, classes, names);
  }

  /**
   * The task's test split under each of its {@code ood} shifts, keyed by {@link ShiftSpec#label()}
   * in spec order. All shifts share one seed, so e.g. two noise levels scale the same noise draws
   * and differ only in severity.
   */
  public static Map<String, ImageSet> oodSets(TaskData data, TaskSpec task, long seed) {
    Map<String, ImageSet> sets = new LinkedHashMap<>();
    long oodSeed = Seeds.mix(seed, OOD_SALT);
    for (int i = 0; i < task.ood().size(); i++) {
      ShiftSpec shift = task.ood().get(i);
      if (sets.containsKey(shift.label())) {
        throw new SpecException("ood[" + i + "]", "lists '" + shift.label() + "' a second time");
      }
      sets.put(shift.label(), Shifts.apply(data.test(), shift, oodSeed));
    }
    return sets;
  }

  /** Appends one class's training samples to {@code train} and its validation samples to {@code validation}. */
  private static void drawTrainingFile(SourceData data, TaskSpec task, int sourceClass, int[] available, long seed,
      List<Integer> train, List<Integer> validation) {
    int validationCount = task.effectiveValidationPerClass() == -1
        ? Math.max(1, available.length / 10)
        : task.effectiveValidationPerClass();
    int trainCount = task.perClass() == null ? available.length - validationCount : task.perClass();
    if (validationCount + Math.max(trainCount, 1) > available.length) {
      String training = task.perClass() == null ? "at least 1" : String.valueOf(task.perClass());
      throw new DataException("class " + sourceClass + " (" + data.classNames().get(sourceClass) + ") has "
          + available.length + " training-file samples, but the task asks for " + validationCount
          + " validation + " + training + " training samples; lower perClass or validationPerClass,"
          + " or choose other classes");
    }
    int[] order = shuffled(available, Seeds.mix(seed, sourceClass));
    addAll(train, order, 0, trainCount);
    addAll(validation, order, order.length - validationCount, order.length);
  }

  /** Appends one class's test samples: all of them, or {@code testPerClass} drawn with the seed. */
  private static void drawTestFile(
      SourceData data, TaskSpec task, int sourceClass, int[] available, long seed, List<Integer> test) {
    if (task.testPerClass() == null) {
      addAll(test, available, 0, available.length);
    } else if (task.testPerClass() > available.length) {
      throw new DataException("class " + sourceClass + " (" + data.classNames().get(sourceClass) + ") has "
          + available.length + " test-file samples, but testPerClass asks for " + task.testPerClass());
    } else {
      addAll(test, shuffled(available, Seeds.mix(seed, sourceClass, TEST_SALT)), 0, task.testPerClass());
    }
  }

  private static List<int[]> indicesByClass(ImageSet set, List<Integer> classes) {
    return classes.stream()
        .map(c -> IntStream.range(0, set.size()).filter(i -> set.label(i) == c).toArray())
        .toList();
  }

  private static int[] shuffled(int[] values, long seed) {
    int[] order = values.clone();
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = order.length - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    return order;
  }

  private static void addAll(List<Integer> target, int[] values, int from, int to) {
    for (int i = from; i < to; i++) {
      target.add(values[i]);
    }
  }

  private static int[] remapping(List<Integer> classes, int numClasses) {
    int[] remap = new int[numClasses];
    for (int j = 0; j < classes.size(); j++) {
      remap[classes.get(j)] = j;
    }
    return remap;
  }

  private static ImageSet relabel(ImageSet source, List<Integer> indices, int[] remap) {
    ImageSet subset = source.subset(indices.stream().mapToInt(Integer::intValue).toArray());
    int[] labels = subset.labels();
    for (int i = 0; i < labels.length; i++) {
      labels[i] = remap[labels[i]];
    }
    return subset.withLabels(labels);
  }
}
