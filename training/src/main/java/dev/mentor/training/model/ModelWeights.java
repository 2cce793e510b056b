package dev.mentor.training.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Copies a model's parameters (BatchNorm running statistics included) to and from Java arrays
 * and files, by stable {@code stage/path} names with shapes checked. Values are copied into the
 * existing arrays, so an optimiser holding them keeps working.
 */
public final class ModelWeights {
  private ModelWeights() {}

  public static Map<String, Tensor> snapshot(StagedModel model) {
    Map<String, Tensor> values = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> values.put(name, new Tensor(p.getArray().toFloatArray(), p.getArray().getShape().getShape())));
    return values;
  }

  /** Restores every parameter; the snapshot must be of this exact architecture. */
  public static void restore(StagedModel model, Map<String, Tensor> values) {
    load(model, values, model.stageNames());
  }

  public static void save(StagedModel model, Path file) throws IOException {
    ParameterFile.write(file, snapshot(model));
  }

  /** Tensor of a weights file holding the source classes its head predicts, in output order. */
  public static final String CLASSES = "mentor.classes";

  /**
   * Saves the weights with the source classes the head predicts ({@code classes.get(j)} is output
   * {@code j}), so that a later arm keeping this head, or a student of this file, can check that its
   * labels mean the same classes.
   */
  public static void save(StagedModel model, Path file, List<Integer> classes) throws IOException {
    save(model, file, classes, null);
  }

  /** Tensor of a weights file holding the standardisation its inputs had in training: {@code [mean, std]}. */
  public static final String NORMALIZATION = "mentor.normalization";

  /**
   * {@link #save(StagedModel, Path, List)}, with the standardisation of the inputs the model was
   * trained on (none when null), so that a later experiment can give it inputs scaled the same way.
   */
  public static void save(StagedModel model, Path file, List<Integer> classes, Normalization normalization) throws IOException {
    Map<String, Tensor> values = snapshot(model);
    float[] ids = new float[classes.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = classes.get(i);
    }
    values.put(CLASSES, new Tensor(ids, new long[] {ids.length}));
    if (normalization != null) {
      values.put(NORMALIZATION, new Tensor(new float[] {normalization.mean(), normalization.std()}, new long[] {2}));
    }
    ParameterFile.write(file, values);
  }

  /**
   * The tensors of a weights file, or, for a file that was packed (replaced by a {@link WeightDelta}
   * beside it, {@code model.params} by {@code model.delta}), of its delta built on the base it names:
   * every reader of a run's final weights goes through here, so a packed run reads as before.
   */
  public static Map<String, Tensor> read(Path file) throws IOException {
    if (Files.isRegularFile(file)) {
      return ParameterFile.read(file);
    }
    Path delta = WeightDelta.deltaOf(file);
    if (Files.isRegularFile(delta)) {
      return WeightDelta.decode(delta);
    }
    throw new NoSuchFileException(file.toString(), null, "no weights there, nor a delta of them (" + delta.getFileName() + ")");
  }

  /** Whether {@link #read} finds weights for {@code file}: the file itself or its delta. */
  public static boolean exists(Path file) {
    return Files.isRegularFile(file) || Files.isRegularFile(WeightDelta.deltaOf(file));
  }

  /** The file on disk that holds {@code file}'s weights: the file itself, or its delta when it was packed. */
  public static Path stored(Path file) {
    return Files.isRegularFile(file) || !Files.isRegularFile(WeightDelta.deltaOf(file)) ? file : WeightDelta.deltaOf(file);
  }

  /** The standardisation recorded by {@link #save(StagedModel, Path, List, Normalization)}; empty for a file without one. */
  public static Optional<Normalization> normalization(Path file) throws IOException {
    Tensor values = read(file).get(NORMALIZATION);
    if (values == null || values.values().length != 2) {
      return Optional.empty();
    }
    return Optional.of(new Normalization(values.values()[0], values.values()[1]));
  }

  /** The source classes recorded in a weights file by {@link #save(StagedModel, Path, List)}; empty for a file without them. */
  public static Optional<List<Integer>> classes(Path file) throws IOException {
    Tensor ids = read(file).get(CLASSES);
    if (ids == null) {
      return Optional.empty();
    }
    List<Integer> classes = new ArrayList<>(ids.values().length);
    for (float id : ids.values()) {
      classes.add((int) id);
    }
    return Optional.of(List.copyOf(classes));
  }

  /**
   * Loads the parameters of {@code stages} from {@code values}. Every parameter of those stages
   * must be present with the same shape; anything else is an error naming the parameter, never
   * a silent partial load.
   */
  public static void load(StagedModel model, Map<String, Tensor> values, List<String> stages) {
    List<String> problems = new ArrayList<>();
    for (String stage : stages) {
      for (Map.Entry<String, Parameter> entry : model.namedParameters(stage).entrySet()) {
        Tensor tensor = values.get(entry.getKey());
        NDArray array = entry.getValue().getArray();
        if (tensor == null) {
          problems.add(entry.getKey() + " is missing");
        } else if (!Arrays.equals(tensor.shape(), array.getShape().getShape())) {
          problems.add(entry.getKey() + " has shape " + Arrays.toString(tensor.shape()) + ", the model needs " + array.getShape());
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("weights do not fit this model: " + String.join("; ", problems.subList(0, Math.min(5, problems.size())))
          + (problems.size() > 5 ? " (and " + (problems.size() - 5) + " more)" : ""));
    }
    for (String stage : stages) {
      model.namedParameters(stage).forEach((name, p) -> p.getArray().set(values.get(name).values()));
    }
  }

  /** Loads every stage but the head ({@code keepHead} loads the head too) from a parameter file (or its delta, see {@link #read}). */
  public static void loadBackbone(StagedModel model, Path file, boolean keepHead) throws IOException {
    List<String> stages = new ArrayList<>(model.stageNames());
    if (!keepHead) {
      stages.remove("head");
    }
    load(model, read(file), stages);
  }
}
