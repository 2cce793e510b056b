package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import dev.mentor.messages.spec.ShiftSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.TaskSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TaskSplitterTest {
  /** 4 classes, 40 training and 12 test samples of each; sample i has label i % 4. */
  private static final SourceData DATA = new SourceData(
      TestImages.labelled(160, 4, 2, 2, 0),
      TestImages.labelled(48, 4, 2, 2, SourceData.TEST_ID_OFFSET),
      List.of("zero", "one", "two", "three"));

  private static TaskSpec task(List<Integer> classes, Integer perClass, Integer validationPerClass) {
    return new TaskSpec(classes, perClass, validationPerClass, null, null, null, null);
  }

  /** The source label of a sample, recovered from its id (sample i of DATA has label i % 4). */
  private static int sourceLabel(long sampleId) {
    return (int) (sampleId % SourceData.TEST_ID_OFFSET % 4);
  }

  private static Set<Long> ids(ImageSet set) {
    return Arrays.stream(set.sampleIds()).boxed().collect(Collectors.toSet());
  }

  @Test
  void split_remapsLabelsToListedOrder() {
    TaskData data = TaskSplitter.split(DATA, task(List.of(3, 1), 5, 2), 7);

    for (ImageSet set : List.of(data.train(), data.validation(), data.test())) {
      for (int i = 0; i < set.size(); i++) {
        int expected = sourceLabel(set.sampleId(i)) == 3 ? 0 : 1;
        assertThat(set.label(i)).isEqualTo(expected);
        assertThat(sourceLabel(set.sampleId(i))).isIn(3, 1);
      }
    }
    assertThat(data.sourceClasses()).containsExactly(3, 1);
    assertThat(data.classNames()).containsExactly("three", "one");
    assertThat(data.numClasses()).isEqualTo(2);
  }

  @Test
  void split_drawsPerClassAndValidationCountsDisjointly() {
    TaskData data = TaskSplitter.split(DATA, task(List.of(0, 2), 6, 4), 7);

    assertThat(data.train().labels()).containsExactly(0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1);
    assertThat(data.validation().labels()).containsExactly(0, 0, 0, 0, 1, 1, 1, 1);
    assertThat(ids(data.train())).hasSize(12).doesNotContainAnyElementsOf(ids(data.validation()));
    assertThat(ids(data.validation())).hasSize(8);
    assertThat(ids(data.train())).allMatch(id -> id < SourceData.TEST_ID_OFFSET);
  }

  @Test
  void split_perClassNull_usesTenPercentForValidationAndTheRestForTraining() {
    TaskData data = TaskSplitter.split(DATA, task(List.of(0, 1), null, null), 7);

    assertThat(data.validation().size()).isEqualTo(2 * 4);
    assertThat(data.train().size()).isEqualTo(2 * 36);
    assertThat(ids(data.train())).doesNotContainAnyElementsOf(ids(data.validation()));
  }

  @Test
  void split_withoutTestPerClass_keepsEveryTestSampleOfListedClassesInFileOrder() {
    TaskData data = TaskSplitter.split(DATA, task(List.of(2, 0), 5, 2), 7);

    long[] ids = data.test().sampleIds();
    assertThat(ids).hasSize(24).isSorted();
    assertThat(Arrays.stream(ids).mapToInt(TaskSplitterTest::sourceLabel)).containsOnly(0, 2);
  }

  @Test
  void split_testPerClass_drawsThatManyOfEachClass() {
    TaskSpec spec = new TaskSpec(List.of(0, 1), 5, 2, 3, null, null, null);
    TaskData data = TaskSplitter.split(DATA, spec, 7);

    assertThat(data.test().labels()).containsExactly(0, 0, 0, 1, 1, 1);
  }

  @Test
  void split_sameSeed_givesIdenticalSplits() {
    TaskData a = TaskSplitter.split(DATA, task(List.of(0, 1, 2), 5, 3), 42);
    TaskData b = TaskSplitter.split(DATA, task(List.of(0, 1, 2), 5, 3), 42);

    assertThat(a.train().sampleIds()).containsExactly(b.train().sampleIds());
    assertThat(a.validation().sampleIds()).containsExactly(b.validation().sampleIds());
    assertThat(a.train().rawPixels()).containsExactly(b.train().rawPixels());
  }

  @Test
  void split_differentSeed_drawsOtherSamples() {
    TaskData a = TaskSplitter.split(DATA, task(List.of(0, 1), 5, 3), 1);
    TaskData b = TaskSplitter.split(DATA, task(List.of(0, 1), 5, 3), 2);

    assertThat(ids(a.train())).isNotEqualTo(ids(b.train()));
  }

  @Test
  void split_classSharedByTwoTasks_drawsTheSameSamplesOfIt() {
    TaskData a = TaskSplitter.split(DATA, task(List.of(1, 2), 5, 3), 9);
    TaskData b = TaskSplitter.split(DATA, task(List.of(3, 1), 5, 3), 9);

    Set<Long> classOneInA = ids(a.train()).stream().filter(id -> sourceLabel(id) == 1).collect(Collectors.toSet());
    Set<Long> classOneInB = ids(b.train()).stream().filter(id -> sourceLabel(id) == 1).collect(Collectors.toSet());
    assertThat(classOneInA).hasSize(5).isEqualTo(classOneInB);
  }

  @Test
  void split_smallerPerClass_isSubsetOfLargerWithSameValidation() {
    TaskData small = TaskSplitter.split(DATA, task(List.of(0, 1), 3, 5), 9);
    TaskData large = TaskSplitter.split(DATA, task(List.of(0, 1), 20, 5), 9);

    assertThat(ids(large.train())).containsAll(ids(small.train()));
    assertThat(ids(small.validation())).isEqualTo(ids(large.validation()));
  }

  @Test
  void split_tooFewSamples_failsSayingHowManyExistAndWereAsked() {
    assertThatThrownBy(() -> TaskSplitter.split(DATA, task(List.of(0, 1), 35, 10), 1))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("class 0 (zero) has 40 training-file samples")
        .hasMessageContaining("10 validation + 35 training");
  }

  @Test
  void split_tooFewTestSamples_failsSayingHowManyExist() {
    TaskSpec spec = new TaskSpec(List.of(0, 1), 5, 2, 13, null, null, null);
    assertThatThrownBy(() -> TaskSplitter.split(DATA, spec, 1))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("has 12 test-file samples, but testPerClass asks for 13");
  }

  @Test
  void split_classIndexOutOfRange_failsNamingClassesAndValidRange() {
    assertThatThrownBy(() -> TaskSplitter.split(DATA, task(List.of(0, 4), 5, 2), 1))
        .isInstanceOf(DataException.class)
        .hasMessageStartingWith("classes:")
        .hasMessageContaining("class index 4")
        .hasMessageContaining("0..3");
  }

  @Test
  void split_withShift_shiftsEverySplit() {
    TaskSpec spec = new TaskSpec(List.of(0, 1), 5, 2, null, new ShiftSpec(ShiftSpec.Type.INVERSION, 1.0), null, null);
    TaskData plain = TaskSplitter.split(DATA, task(List.of(0, 1), 5, 2), 3);
    TaskData shifted = TaskSplitter.split(DATA, spec, 3);

    for (String split : List.of("train", "validation", "test")) {
      float[] before = pick(plain, split).rawPixels();
      float[] after = pick(shifted, split).rawPixels();
      assertThat(after).hasSameSizeAs(before);
      for (int i = 0; i < before.length; i++) {
        assertThat(after[i]).as(split + " pixel " + i).isCloseTo(1 - before[i], offset(1e-6f));
      }
    }
  }

  private static ImageSet pick(TaskData data, String split) {
    return switch (split) {
      case "train" -> data.train();
      case "validation" -> data.validation();
      default -> data.test();
    };
  }

  @Test
  void oodSets_shiftTheTestSplitKeyedByLabelInSpecOrder() {
    TaskSpec spec = new TaskSpec(List.of(0, 1), 5, 2, null, null,
        List.of(new ShiftSpec(ShiftSpec.Type.BRIGHTNESS, -1.0), new ShiftSpec(ShiftSpec.Type.CONTRAST, 0.5)), null);
    TaskData data = TaskSplitter.split(DATA, spec, 3);

    Map<String, ImageSet> ood = TaskSplitter.oodSets(data, spec, 3);

    assertThat(ood.keySet()).containsExactly("brightness -1", "contrast 0.5");
    ImageSet dark = ood.get("brightness -1");
    assertThat(dark.sampleIds()).containsExactly(data.test().sampleIds());
    assertThat(dark.rawPixels()).containsOnly(0f);
  }

  @Test
  void taskSpec_sameShiftListedTwice_isRejectedNamingTheEntry() {
    assertThatThrownBy(() -> new TaskSpec(List.of(0, 1), 5, 2, null, null,
        List.of(new ShiftSpec(ShiftSpec.Type.NOISE, 0.1), new ShiftSpec(ShiftSpec.Type.NOISE, 0.1)), null))
        .isInstanceOf(SpecException.class)
        .hasMessageStartingWith("ood[1]");
  }

  /** A task of the experiment {@code tasks}, split as the experiment splits it. */
  private static TaskData splitIn(Map<String, TaskSpec> tasks, String name, long seed) {
    return TaskSplitter.split(DATA, tasks, name, seed);
  }

  @Test
  void split_taskWithAllSamples_neverTrainsOnAnotherTasksValidationSamples() {
    // "all": 10% validation (4 of 40 per class); "some": 5 training and 20 validation samples per class.
    Map<String, TaskSpec> tasks = Map.of("all", task(List.of(0, 1), null, null), "some", task(List.of(0, 1), 5, 20));
    for (long seed : new long[] {1, 2, 3}) {
      TaskData all = splitIn(tasks, "all", seed);
      TaskData some = splitIn(tasks, "some", seed);
      TaskData allAlone = TaskSplitter.split(DATA, tasks.get("all"), seed);
      TaskData someAlone = TaskSplitter.split(DATA, tasks.get("some"), seed);

      assertThat(ids(all.train())).as("seed " + seed).doesNotContainAnyElementsOf(ids(some.validation()));
      // Everything before the largest validation block of the class: 40 - 20 per class.
      assertThat(all.train().size()).isEqualTo(2 * 20);
      assertThat(ids(allAlone.train())).containsAll(ids(all.train()));
      // Each task's validation set and the smaller task's training set are unchanged.
      assertThat(all.validation().sampleIds()).containsExactly(allAlone.validation().sampleIds());
      assertThat(some.validation().sampleIds()).containsExactly(someAlone.validation().sampleIds());
      assertThat(some.train().sampleIds()).containsExactly(someAlone.train().sampleIds());
    }
  }

  @Test
  void split_perClassReachingIntoAnotherTasksValidation_isRefusedNamingBothTasks() {
    // "some" validates on the last 20 of 40 per class; "big" asks for 25 training samples of class 1.
    Map<String, TaskSpec> tasks = Map.of("some", task(List.of(0, 1), 5, 20), "big", task(List.of(1, 2), 25, 4));

    assertThatThrownBy(() -> splitIn(tasks, "big", 1))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("tasks.big.perClass"))
        .hasMessageContaining("class 1 (one)")
        .hasMessageContaining("task 'some'")
        .hasMessageContaining("at most 20")
        .hasMessageContaining("allowOverlap");
    assertThat(splitIn(tasks, "some", 1).train().size()).as("the other task is unaffected").isEqualTo(2 * 5);
  }

  @Test
  void split_allowOverlap_drawsAsIfTheTaskWereAlone() {
    TaskSpec big = new TaskSpec(List.of(1, 2), 25, 4, null, null, null, true);
    TaskSpec all = new TaskSpec(List.of(0, 1), null, null, null, null, null, true);
    Map<String, TaskSpec> tasks = Map.of("some", task(List.of(0, 1), 5, 20), "big", big, "all", all);

    for (String name : List.of("big", "all")) {
      TaskData inExperiment = splitIn(tasks, name, 4);
      TaskData alone = TaskSplitter.split(DATA, tasks.get(name), 4);
      assertThat(inExperiment.train().sampleIds()).as(name).containsExactly(alone.train().sampleIds());
      assertThat(inExperiment.validation().sampleIds()).as(name).containsExactly(alone.validation().sampleIds());
    }
    Set<Long> someValidation = ids(splitIn(tasks, "some", 4).validation());
    assertThat(ids(splitIn(tasks, "all", 4).train())).containsAnyElementsOf(someValidation);
  }

  @Test
  void split_otherTaskValidatingOnAWholeClass_isBlamedOnThatTask() {
    Map<String, TaskSpec> tasks = Map.of("all", task(List.of(0, 1), null, null), "greedy", task(List.of(1, 2), 1, 40));

    assertThatThrownBy(() -> splitIn(tasks, "all", 1))
        .isInstanceOfSatisfying(SpecException.class, e -> assertThat(e.field()).isEqualTo("tasks.greedy"))
        .hasMessageContaining("validates on 40 of them");
  }

  @Test
  void indices_giveTheSplitsSamplesInOrder() {
    Map<String, TaskSpec> tasks = Map.of("all", task(List.of(0, 1), null, null), "some", task(List.of(0, 1), 5, 20));
    TaskSplitter.Indices indices = TaskSplitter.indices(DATA, tasks, "all", 6);
    TaskData data = splitIn(tasks, "all", 6);

    assertThat(Arrays.stream(indices.train()).asLongStream().toArray()).containsExactly(data.train().sampleIds());
    assertThat(Arrays.stream(indices.validation()).asLongStream().toArray()).containsExactly(data.validation().sampleIds());
    assertThat(Arrays.stream(indices.test()).asLongStream().map(i -> i + SourceData.TEST_ID_OFFSET).toArray())
        .containsExactly(data.test().sampleIds());
  }

  @Test
  void cleanSplit_isTheSameSamplesWithoutTheShift() {
    TaskSpec shifted = new TaskSpec(List.of(0, 1), 5, 2, null, new ShiftSpec(ShiftSpec.Type.INVERSION, 1.0), null, null);
    Map<String, TaskSpec> tasks = Map.of("shifted", shifted, "plain", task(List.of(0, 1), 5, 2));
    TaskData clean = TaskSplitter.cleanSplit(DATA, tasks, "shifted", 3);
    TaskData plain = TaskSplitter.split(DATA, tasks, "plain", 3);

    assertThat(clean.train().sampleIds()).containsExactly(plain.train().sampleIds());
    assertThat(clean.train().rawPixels()).containsExactly(plain.train().rawPixels());
  }

  @Test
  void split_neverDrawsASampleTwice() {
    TaskData data = TaskSplitter.split(DATA, task(List.of(0, 1, 2, 3), null, null), 5);
    assertThat(ids(data.train())).hasSize(data.train().size()).hasSize(4 * 36);
  }
}
