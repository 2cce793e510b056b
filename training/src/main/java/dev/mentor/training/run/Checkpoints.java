package dev.mentor.training.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checkpoint files of one run: the latest epoch's weights, optimiser state and loop state in
 * {@code checkpoint/}, and the best weights so far in {@code best.params} when early stopping
 * needs them, or, in a phase without early stopping, when the overfitting detector may stop the
 * run ({@code overfitting.stop}) and the best validation-loss epoch is evaluated instead of the
 * last. Parameters are stored by stable names, never by the engine's per-process ids.
 */
final class Checkpoints {
  private static final ObjectMapper JSON = SpecReader.json();

  private final Path dir;
  private final StagedModel model;
  private final Map<String, Parameter> extra;
  private final State state;

  /** Tensors of a run's state outside any parameter (PS-KD's past predictions), saved in each checkpoint and restored from it. */
  interface State {
    Map<String, Tensor> save();

    void restore(Map<String, Tensor> saved);
  }

  /** {@code extra}: named parameters outside the model that train with it (FitNets regressors), saved beside it. */
  Checkpoints(Path runDir, StagedModel model, Map<String, Parameter> extra) {
    this(runDir, model, extra, null);
  }

  /** As {@link #Checkpoints(Path, StagedModel, Map)}, with {@code state} (null for none) saved in {@code state.params}. */
  Checkpoints(Path runDir, StagedModel model, Map<String, Parameter> extra, State state) {
    this.dir = runDir.resolve("checkpoint");
    this.model = model;
    this.extra = extra;
    this.state = state;
  }

  private Map<String, Parameter> allParameters() {
    Map<String, Parameter> all = new LinkedHashMap<>(model.namedParameters());
    all.putAll(extra);
    return all;
  }

  /** Writes a checkpoint's files into a folder that is empty when it is called. */
  @FunctionalInterface
  interface FolderWriter {
    void writeInto(Path folder) throws IOException;
  }

  /**
   * Writes the new checkpoint beside the old one and swaps them with renames, so at every
   * instant one complete checkpoint exists ({@code state.json} is written last and marks it
   * complete), whatever moment the process dies at.
   */
  void save(CheckpointState state, MentorOptimizer optimizer) throws IOException {
    writeAtomically(dir, staging -> {
      ModelWeights.save(model, staging.resolve("model.params"));
      if (!extra.isEmpty()) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        extra.forEach((name, p) -> tensors.put(name, new Tensor(p.getArray().toFloatArray(), p.getArray().getShape().getShape())));
        ParameterFile.write(staging.resolve("extra.params"), tensors);
      }
      ParameterFile.write(staging.resolve("optimizer.params"), optimizerState(optimizer));
      if (this.state != null) {
        ParameterFile.write(staging.resolve("state.params"), this.state.save());
      }
      AtomicFiles.writeString(staging.resolve("state.json"), SpecReader.toJson(state));
    });
  }

  /**
   * Fills {@code dir}'s sibling {@code .tmp} folder with {@code writer} (which writes
   * {@code state.json} last), then swaps it in for {@code dir} by renames: one complete
   * checkpoint exists at every instant.
   */
  static void writeAtomically(Path dir, FolderWriter writer) throws IOException {
    Path staging = dir.resolveSibling(dir.getFileName() + ".tmp");
    Path old = dir.resolveSibling(dir.getFileName() + ".old");
    AtomicFiles.deleteTree(staging);
    Files.createDirectories(staging);
    writer.writeInto(staging);
    AtomicFiles.deleteTree(old);
    if (Files.exists(dir)) {
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.deleteTree(old);
  }

  /**
   * Completes or undoes a swap of {@link #writeAtomically} that a dying process left half done;
   * true when {@code dir} then holds a complete checkpoint.
   */
  static boolean recover(Path dir) throws IOException {
    Path staging = dir.resolveSibling(dir.getFileName() + ".tmp");
    Path old = dir.resolveSibling(dir.getFileName() + ".old");
    if (!Files.exists(dir.resolve("state.json"))) {
      AtomicFiles.deleteTree(dir);
      if (Files.exists(staging.resolve("state.json"))) {
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
      } else if (Files.exists(old.resolve("state.json"))) {
        Files.move(old, dir, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    AtomicFiles.deleteTree(staging);
    AtomicFiles.deleteTree(old);
    return Files.exists(dir.resolve("state.json"));
  }

  /** The last complete checkpoint, restoring the model's weights; null when there is none. */
  CheckpointState load() throws IOException {
    if (!recover(dir)) {
      return null;
    }
    ModelWeights.restore(model, ParameterFile.read(dir.resolve("model.params")));
    if (!extra.isEmpty()) {
      Map<String, Tensor> saved = ParameterFile.read(dir.resolve("extra.params"));
      for (Map.Entry<String, Parameter> e : extra.entrySet()) {
        Tensor t = saved.get(e.getKey());
        if (t == null) {
          throw new IOException(dir + ": the checkpoint has no '" + e.getKey() + "'");
        }
        e.getValue().getArray().set(t.values());
      }
    }
    if (state != null) {
      Path saved = dir.resolve("state.params");
      if (!Files.exists(saved)) {
        throw new IOException(dir + ": the checkpoint has no state.params, which this run keeps (was it written by another arm?);"
            + " delete " + dir.getParent() + " to run this arm again from the start");
      }
      state.restore(ParameterFile.read(saved));
    }
    return JSON.readValue(dir.resolve("state.json").toFile(), CheckpointState.class);
  }

  void restoreOptimizer(MentorOptimizer optimizer, int step) throws IOException {
    Map<String, Parameter> parameters = allParameters();
    for (Map.Entry<String, Tensor> entry : ParameterFile.read(dir.resolve("optimizer.params")).entrySet()) {
      String key = entry.getKey();
      Parameter parameter = parameters.get(key.substring(2));
      if (parameter == null) {
        throw new IOException(dir + ": optimizer state for '" + key.substring(2) + "', which this model does not have");
      }
      NDArray array = parameter.getArray().getManager().create(entry.getValue().values(), new Shape(entry.getValue().shape()));
      optimizer.restoreState(key.substring(0, 2) + parameter.getId(), array);
    }
    optimizer.restoreStep(step);
  }

  private Map<String, Tensor> optimizerState(MentorOptimizer optimizer) {
    Map<String, String> nameById = new LinkedHashMap<>();
    allParameters().forEach((name, p) -> nameById.put(p.getId(), name));
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    optimizer.state().forEach((key, array) ->
        tensors.put(key.substring(0, 2) + nameById.get(key.substring(2)), new Tensor(array.toFloatArray(), array.getShape().getShape())));
    return tensors;
  }

  void saveBest(Map<String, Tensor> best) throws IOException {
    ParameterFile.write(dir.resolveSibling("best.params"), best);
  }

  /** The best weights saved so far; a checkpoint whose early stopping or best-by-loss tracking names a best epoch must have them. */
  Map<String, Tensor> loadBest() throws IOException {
    Path file = dir.resolveSibling("best.params");
    if (!Files.exists(file)) {
      throw new IOException(file + " is missing, but the checkpoint names a best epoch: the checkpoint is incomplete;"
          + " delete " + dir.getParent() + " to run this arm again from the start");
    }
    return ParameterFile.read(file);
  }

  /** Removes the checkpoint and best weights of a finished run (they are superseded by model.params). */
  static void clear(Path runDir) throws IOException {
    AtomicFiles.deleteTree(runDir.resolve("checkpoint"));
    Files.deleteIfExists(runDir.resolve("best.params"));
  }
}
