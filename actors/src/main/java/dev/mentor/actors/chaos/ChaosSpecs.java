package dev.mentor.actors.chaos;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** The small valid experiments the scenarios submit: synthetic data, so they train in seconds on a CPU. */
final class ChaosSpecs {
  /** A small convolutional network and a small perceptron, the two arms of the multi-run scenarios. */
  static final Map<String, String> CNN_AND_MLP = Map.of("cnn", "{type: cnn, channels: [4, 8], hidden: 16}", "mlp", "{type: mlp, widths: [16]}");

  private ChaosSpecs() {}

  /**
   * An experiment named {@code name}: {@code arms} (arm name to model, in name order) at each of
   * {@code seeds}, {@code epochs} epochs, on {@code classes} synthetic classes of {@code perClass}
   * training samples.
   */
  static String experiment(String name, Map<String, String> arms, List<Long> seeds, int epochs, int classes, int perClass) {
    String classList = IntStream.range(0, classes).mapToObj(String::valueOf).collect(Collectors.joining(", "));
    StringBuilder spec = new StringBuilder()
        .append("name: ").append(name).append('\n')
        .append("seeds: ").append(seeds).append('\n')
        .append("data: {source: synthetic, syntheticClasses: ").append(classes).append(", syntheticPerClass: ").append(perClass).append("}\n")
        .append("tasks:\n  t: {classes: [").append(classList).append("]}\n")
        .append("defaults: {task: t, epochs: ").append(epochs).append(", batchSize: 8}\n")
        .append("arms:\n");
    arms.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(arm -> spec.append("  - {name: ").append(arm.getKey()).append(", model: ").append(arm.getValue()).append("}\n"));
    return spec.toString();
  }

  /** One arm, one seed: a perceptron on three classes, {@code epochs} epochs. */
  static String tiny(String name, int epochs) {
    return experiment(name, Map.of("mlp", "{type: mlp, widths: [8]}"), List.of(1L), epochs, 3, 20);
  }
}
