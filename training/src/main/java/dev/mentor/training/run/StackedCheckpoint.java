package dev.mentor.training.run;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EpochMetrics;
import dev.mentor.messages.record.RunEvent;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.model.StackedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The checkpoint of an ensemble arm trained stacked, in {@code stacked-checkpoint/} of the arm's
 * seed folder: the stacked parameters, the optimiser's state and step, and per member the
 * learning curve, events and overfitting detector — what {@link StackedEnsembleRun} needs to go on
 * after its last finished epoch exactly as if it had not stopped (each member's data order and
 * dropout draws follow from its seed and the epoch). Written with the same swap as a run's
 * {@link Checkpoints}, so one complete checkpoint exists at every instant.
 */
final class StackedCheckpoint {
  private static final ObjectMapper JSON = SpecReader.json();
  static final String FOLDER = "stacked-checkpoint";

  /** Where the training stood after its last saved epoch. */
  record State(int phase, int phaseEpochsDone, int epochsDone, int optimizerStep, List<Member> members) {}

  /** One member's learning curve, events and overfitting detector after that epoch. */
  record Member(List<EpochMetrics> history, List<RunEvent> events, double[] overfitting) {}

  private final Path dir;
  private final StackedModel model;

  StackedCheckpoint(Path armSeedDir, StackedModel model) {
    this.dir = armSeedDir.resolve(FOLDER);
    this.model = model;
  }

  void save(State state, MentorOptimizer optimizer) throws IOException {
    Checkpoints.writeAtomically(dir, staging -> {
      Map<String, Tensor> weights = new LinkedHashMap<>();
      model.parameters().forEach((name, p) -> weights.put(name, tensor(p.array())));
      ParameterFile.write(staging.resolve("stacked.params"), weights);
      // The optimiser's keys name stacked parameters by their stable names already.
      Map<String, Tensor> moments = new LinkedHashMap<>();
      optimizer.state().forEach((key, array) -> moments.put(key, tensor(array)));
      ParameterFile.write(staging.resolve("optimizer.params"), moments);
      AtomicFiles.writeString(staging.resolve("state.json"), SpecReader.toJson(state));
    });
  }

  /** The last complete checkpoint, with the stacked parameters restored; null when there is none. */
  State load() throws IOException {
    if (!Checkpoints.recover(dir)) {
      return null;
    }
    Map<String, Tensor> saved = ParameterFile.read(dir.resolve("stacked.params"));
    for (Map.Entry<String, StackedModel.Stacked> e : model.parameters().entrySet()) {
      Tensor t = saved.get(e.getKey());
      if (t == null || !new Shape(t.shape()).equals(e.getValue().array().getShape())) {
        throw new IOException(dir + ": the checkpoint has no parameter '" + e.getKey() + "' of shape " + e.getValue().array().getShape()
            + "; delete " + dir + " to train this arm again from its first epoch");
      }
      e.getValue().array().set(t.values());
    }
    return JSON.readValue(dir.resolve("state.json").toFile(), State.class);
  }

  /** Restores the optimiser's moments and step saved with the checkpoint {@link #load} read. */
  void restoreOptimizer(MentorOptimizer optimizer, int step) throws IOException {
    NDManager manager = model.parameters().values().iterator().next().array().getManager();
    for (Map.Entry<String, Tensor> entry : ParameterFile.read(dir.resolve("optimizer.params")).entrySet()) {
      String parameter = entry.getKey().substring(2);
      if (!model.parameters().containsKey(parameter)) {
        throw new IOException(dir + ": optimizer state for '" + parameter + "', which this model does not have");
      }
      optimizer.restoreState(entry.getKey(), manager.create(entry.getValue().values(), new Shape(entry.getValue().shape())));
    }
    optimizer.restoreStep(step);
  }

  /** Removes the checkpoint once every member's record is written. */
  void clear() throws IOException {
    AtomicFiles.deleteTree(dir);
  }

  private static Tensor tensor(NDArray array) {
    return new Tensor(array.toFloatArray(), array.getShape().getShape());
  }
}
