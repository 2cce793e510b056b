package dev.mentor.training.data;

import java.util.List;
import java.util.stream.IntStream;

/**
 * A data set as it comes from its source: the training file, the test file, and a name for every
 * class index. Both sets share one sample shape and every label indexes {@code classNames}.
 */
public record SourceData(ImageSet train, ImageSet test, List<String> classNames) {
  /** Added to a test sample's index in its file to form its sample id, keeping it apart from training ids. */
  public static final long TEST_ID_OFFSET = 1_000_000_000L;

  public SourceData {
    classNames = List.copyOf(classNames);
    if (!train.shape().equals(test.shape())) {
      throw new IllegalArgumentException(
          "train samples are " + train.shape() + " but test samples are " + test.shape());
    }
    requireLabelsBelow(train, "train", classNames.size());
    requireLabelsBelow(test, "test", classNames.size());
  }

  public int numClasses() {
    return classNames.size();
  }

  /** Class names {@code class-0 .. class-(n-1)} for sources that carry no names. */
  static List<String> genericClassNames(int count) {
    return IntStream.range(0, count).mapToObj(k -> "class-" + k).toList();
  }

  /** One more than the largest label in either set: the class count of a source without names. */
  static int classCountOf(ImageSet train, ImageSet test) {
    int max = -1;
    for (ImageSet set : List.of(train, test)) {
      for (int i = 0; i < set.size(); i++) {
        max = Math.max(max, set.label(i));
      }
    }
    return max + 1;
  }

  private static void requireLabelsBelow(ImageSet set, String split, int numClasses) {
    for (int i = 0; i < set.size(); i++) {
      if (set.label(i) >= numClasses) {
        throw new IllegalArgumentException(split + " sample " + i + " has label " + set.label(i)
            + " but only " + numClasses + " class names are given");
      }
    }
  }
}
