package dev.mentor.training.data;

import java.util.List;

/**
 * The splits of one task: training, validation (drawn from the training file, disjoint from the
 * training samples) and test, with labels remapped to {@code 0..k-1}. {@code sourceClasses.get(j)}
 * is the source class that became label {@code j}, and {@code classNames.get(j)} its name.
 */
public record TaskData(
    ImageSet train, ImageSet validation, ImageSet test, List<Integer> sourceClasses, List<String> classNames) {

  public TaskData {
    sourceClasses = List.copyOf(sourceClasses);
    classNames = List.copyOf(classNames);
    if (sourceClasses.size() != classNames.size()) {
      throw new IllegalArgumentException(
          sourceClasses.size() + " source classes but " + classNames.size() + " class names");
    }
  }

  public int numClasses() {
    return classNames.size();
  }
}
