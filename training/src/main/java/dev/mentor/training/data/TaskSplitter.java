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
 * source class. Each class's training-file samples are shuffled once per seed, in one order shared
 * by every task of the experiment: validation takes the last {@code validationPerClass} of that
 * order, training the first {@code perClass}. Hence the same seed always gives the same split,
 * tasks listing the same class draw the same samples of it (arms compared at one seed see the same
 * target data), and a smaller {@code perClass} is a subset of a larger one with an unchanged
 * validation set, which keeps learning curves comparable.
 *
 * <p>No task trains on another task's validation samples: each class holds back the largest
 * validation block of the experiment's tasks listing it, and training samples come from before
 * that block ({@code perClass} null: all of them). A {@code perClass} that does not fit there is
 * refused, naming the task whose validation samples it would train on, unless the task sets
 * {@code allowOverlap}; such a task draws as if it were alone. A task's validation set does not
 * depend on the other tasks, and an experiment whose tasks never reach into each other's
 * validation blocks gets the splits each task would get alone.
 */
public final class TaskSplitter {
  private static final long TEST_SALT = 0x7E57;
  private static final long SHIFT_SALT = 0x5F1F7;
  private static final long OOD_SALT = 0x00D;

  private TaskSplitter() {}

  /**
   * Where a task's samples sit in the source files, in split order: {@code train} and
   * {@code validation} index the training file, {@code test} the test file.
   */
  public record Indices(int[] train, int[] validation, int[] test) {}

  /** Task {@code name} of an experiment whose tasks are {@code tasks}, with its shift applied to every split. */
  public static TaskData split(SourceData data, Map<String, TaskSpec> tasks, String name, long seed) {
    TaskSpec task = taskNamed(tasks, name);
    return build(data, task, indices(data, tasks, name, seed), seed, task.shift());
  }

  /**
   * Task {@code name}'s samples without its shift: the clean inputs of the same samples, for a
   * teacher that sees the student's samples unshifted.
   */
  public static TaskData cleanSplit(SourceData data, Map<String, TaskSpec> tasks, String name, long seed) {
    return build(data, taskNamed(tasks, name), indices(data, tasks, name, seed), seed, null);
  }

  /** A task on its own, as in an experiment with no other task. */
  static TaskData split(SourceData data, TaskSpec task, long seed) {
    return split(data, Map.of("task", task), "task", seed);
  }

  /**
   * Which samples of the source files task {@code name} of the experiment's {@code tasks} draws at
   * {@code seed}; throws {@link DataException} when the data cannot serve the task, and
   * {@link SpecException} (field {@code tasks.<name>.perClass}) when the task would train on
   * another task's validation samples without {@code allowOverlap}.
   */
  public static Indices indices(SourceData data, Map<String, TaskSpec> tasks, String name, long seed) {
    TaskSpec task = taskNamed(tasks, name);
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
      int sourceClass = classes.get(j);
      int available = trainByClass.get(j).length;
      int trainCount = trainingCount(data, tasks, name, sourceClass, available);
      int[] order = shuffled(trainByClass.get(j), Seeds.mix(seed, sourceClass));
      addAll(train, order, 0, trainCount);
      addAll(validation, order, order.length - validationCount(task, available), order.length);
      drawTestFile(data, task, sourceClass, testByClass.get(j), seed, test);
    }
    // The full test file keeps its file order; only the listed classes' samples remain.
    if (task.testPerClass() == null) {
      test.sort(null);
    }
    return new Indices(toArray(train), toArray(validation), toArray(test));
  }

  private static TaskData build(SourceData data, TaskSpec task, Indices indices, long seed, ShiftSpec shift) {
    List<Integer> classes = task.classes();
    int[] remap = remapping(classes, data.numClasses());
    ImageSet trainSet = relabel(data.train(), indices.train(), remap);
    ImageSet validationSet = relabel(data.train(), indices.validation(), remap);
    ImageSet testSet = relabel(data.test(), indices.test(), remap);
    if (shift != null) {
      long shiftSeed = Seeds.mix(seed, SHIFT_SALT);
      trainSet = Shifts.apply(trainSet, shift, shiftSeed);
      validationSet = Shifts.apply(validationSet, shift, shiftSeed);
      testSet = Shifts.apply(testSet, shift, shiftSeed);
    }
    List<String> names = classes.stream().map(c -> data.classNames().get(c)).toList();
    return new TaskData(trainSet, validationSet, testSet, classes, names);
  }

  private static TaskSpec taskNamed(Map<String, TaskSpec> tasks, String name) {
    TaskSpec task = tasks.get(name);
    if (task == null) {
      throw new IllegalArgumentException("no task '" + name + "'; the tasks are " + tasks.keySet());
    }
    return task;
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

  /** Validation samples a task draws from a class with {@code available} training-file samples. */
  private static int validationCount(TaskSpec task, int available) {
    return task.effectiveValidationPerClass() == -1 ? Math.max(1, available / 10) : task.effectiveValidationPerClass();
  }

  /**
   * Training samples task {@code name} draws of {@code sourceClass}: its {@code perClass}, or, when
   * that is null, every sample before the validation blocks (its own alone with {@code allowOverlap}).
   */
  private static int trainingCount(SourceData data, Map<String, TaskSpec> tasks, String name, int sourceClass, int available) {
    TaskSpec task = tasks.get(name);
    int validationCount = validationCount(task, available);
    int trainCount = task.perClass() == null ? available - validationCount : task.perClass();
    String className = "class " + sourceClass + " (" + data.classNames().get(sourceClass) + ")";
    if (validationCount + Math.max(trainCount, 1) > available) {
      String training = task.perClass() == null ? "at least 1" : String.valueOf(task.perClass());
      throw new DataException(className + " has " + available + " training-file samples, but the task asks for " + validationCount
          + " validation + " + training + " training samples; lower perClass or validationPerClass, or choose other classes");
    }
    if (task.allowOverlap()) {
      return trainCount;
    }
    // The largest validation block of the class among the experiment's tasks, and the task holding it.
    String holder = name;
    int reserved = validationCount;
    for (Map.Entry<String, TaskSpec> other : tasks.entrySet()) {
      if (other.getValue().classes().contains(sourceClass) && validationCount(other.getValue(), available) > reserved) {
        holder = other.getKey();
        reserved = validationCount(other.getValue(), available);
      }
    }
    int room = available - reserved;
    if (room < 1) {
      // A task that leaves no sample of a class for training is wrong on its own: say so about it, not about this task.
      throw new SpecException("tasks." + holder, className + " has " + available + " training-file samples, but the task validates on "
          + reserved + " of them and none remain for training; lower validationPerClass");
    }
    if (task.perClass() == null) {
      return room;
    }
    if (trainCount > room) {
      throw new SpecException("tasks." + name + ".perClass", trainCount + " training samples of " + className
          + " would include validation samples of task '" + holder + "': tasks listing a class draw from one order of its "
          + available + " training-file samples, task '" + holder + "' validates on the last " + reserved
          + " of them, so at most " + room + " come before; lower perClass to at most " + room + ", lower the validationPerClass of task '"
          + holder + "', or set allowOverlap: true on task '" + name + "' to train on them anyway (its runs then record the overlap)");
    }
    return trainCount;
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

  private static int[] toArray(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  private static ImageSet relabel(ImageSet source, int[] indices, int[] remap) {
    ImageSet subset = source.subset(indices);
    int[] labels = subset.labels();
    for (int i = 0; i < labels.length; i++) {
      labels[i] = remap[labels[i]];
    }
    return subset.withLabels(labels);
  }
}
