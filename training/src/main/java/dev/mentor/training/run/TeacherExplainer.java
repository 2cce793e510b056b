package dev.mentor.training.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.Check;
import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.DataSources;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.DarkKnowledge;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.model.ModelWeights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@link DarkKnowledge} view of any teacher, on demand ({@code mentor explain-teacher}): an
 * arm of an experiment at one of its seeds, from the weights its finished run left in the output
 * folder (an ensemble arm: all its members, averaged as a student would), or a checkpoint file
 * with the model it was trained as, either run on a split of the experiment's task at that seed
 * exactly as {@link TeacherLoader} loads a student's teacher. A request that cannot be served
 * fails with {@link BadRequest} naming the field and what it allows, before anything is computed.
 */
public final class TeacherExplainer {
  /** The splits a view can be made on. */
  public static final List<String> SPLITS = List.of("test", "validation", "train");

  private TeacherExplainer() {}

  /**
   * Which teacher, on which data, at which temperatures: exactly one of {@code arm} and
   * {@code checkpoint} (with {@code model}); {@code seed} null for the spec's first; {@code task}
   * null for the arm's, or the spec's only task for a checkpoint; {@code average} how an ensemble's
   * members are averaged.
   */
  public record Request(String arm, Long seed, Path checkpoint, ModelSpec model, String task, String split, List<Double> temperatures,
      Average average) {}

  /** A request refused: the message starts with the field at fault (as the command line's option names it, without dashes). */
  public static final class BadRequest extends IllegalArgumentException {
    public BadRequest(String message) {
      super(message);
    }
  }

  /** The view of the requested teacher; {@code outputRoot} holds the experiment's runs. */
  public static DarkKnowledge explain(ExperimentFile experiment, Path outputRoot, Request request) throws IOException {
    ExperimentSpec spec = experiment.spec();
    List<Double> temperatures;
    try {
      temperatures = DarkKnowledge.temperatures("temperatures", request.temperatures());
    } catch (IllegalArgumentException e) {
      throw new BadRequest(e.getMessage());
    }
    if (!SPLITS.contains(request.split())) {
      throw new BadRequest("split must be one of " + String.join(", ", SPLITS) + ", got " + Check.quote(request.split()));
    }
    if ((request.arm() == null) == (request.checkpoint() == null)) {
      throw new BadRequest("arm: give exactly one of --arm (an arm of the experiment) or --checkpoint (a weights file, with --model)");
    }
    long seed = request.seed() != null ? request.seed() : spec.seeds().get(0);
    RunPaths paths = new RunPaths(outputRoot.resolve(spec.name()));
    TeacherLoader loader = new TeacherLoader(spec, experiment.baseDir(), paths);
    TeacherSpec teacher;
    String task;
    if (request.arm() != null) {
      List<String> arms = spec.arms().stream().map(ArmSpec::name).toList();
      if (!arms.contains(request.arm())) {
        throw new BadRequest("arm must be one of " + Check.listed(arms.stream().map(Check::quote).toList()) + ", got " + Check.quote(request.arm()));
      }
      if (!spec.seeds().contains(seed)) {
        throw new BadRequest("seed must be one of the experiment's seeds " + spec.seeds() + ", got " + seed);
      }
      teacher = TeacherSpec.ofArm(request.arm());
      task = spec.arm(request.arm()).task();
      for (Path file : loader.files(teacher, seed)) {
        if (!Files.isRegularFile(file)) {
          throw new BadRequest("output: no finished run of arm " + Check.quote(request.arm()) + " at seed " + seed + " under "
              + paths.experimentDir() + " (" + outputRoot.relativize(file) + " is missing); run the experiment first, or give the --output it ran into");
        }
      }
    } else {
      if (request.model() == null) {
        throw new BadRequest("model: a checkpoint needs the model it was trained as, e.g. --model '{type: mlp, widths: [64]}'");
      }
      if (!Files.isRegularFile(request.checkpoint())) {
        throw new BadRequest("checkpoint: no such file " + request.checkpoint());
      }
      task = request.task() != null ? request.task() : spec.tasks().size() == 1 ? spec.tasks().keySet().iterator().next() : null;
      if (task == null || !spec.tasks().containsKey(task)) {
        throw new BadRequest("task must be one of " + Check.listed(spec.tasks().keySet().stream().map(Check::quote).toList()) + ", got "
            + (task == null ? "none" : Check.quote(task)));
      }
      teacher = new TeacherSpec(null, request.checkpoint().toAbsolutePath().toString(), request.model(), null, null);
    }
    if (request.arm() != null && request.task() != null && !request.task().equals(task)) {
      throw new BadRequest("task: arm " + Check.quote(request.arm()) + " trains on task " + Check.quote(task) + ", got " + Check.quote(request.task()));
    }
    ExperimentData data = new ExperimentData(spec, experiment.baseDir(), paths, DataSources.load(spec.data(), experiment.baseDir()), List.of());
    TaskData split = data.split(task, seed);
    if (request.checkpoint() != null) {
      Optional<List<Integer>> classes = ModelWeights.classes(request.checkpoint());
      if (classes.isPresent() && !classes.get().equals(split.sourceClasses())) {
        throw new BadRequest("task: the checkpoint predicts source classes " + classes.get() + ", task " + Check.quote(task) + " has "
            + split.sourceClasses());
      }
    }
    ImageSet set = switch (request.split()) {
      case "validation" -> split.validation();
      case "train" -> split.train();
      default -> split.test();
    };
    Normalization normalization = data.normalization(seed);
    try (NDManager manager = NDManager.newBaseManager()) {
      Teacher loaded = loader.load(teacher, seed, split.numClasses(), new Shape(set.channels(), set.height(), set.width()), manager, normalization);
      int members = loaded.members().size();
      int k = split.numClasses();
      float[] logits = new float[set.size() * members * k];
      int[] labels = new int[set.size()];
      Batches batches = ExperimentData.evaluationBatches(set, normalization);
      batches.inOrder();
      int offset = 0;
      for (int b = 0; b < batches.count(); b++) {
        try (NDManager step = manager.newSubManager()) {
          Batches.Batch batch = batches.get(b, step);
          float[] z = loaded.forward(batch.inputs(), Set.of()).memberLogits().toFloatArray();
          System.arraycopy(z, 0, logits, offset * members * k, z.length);
          System.arraycopy(batch.labelValues(), 0, labels, offset, batch.labelValues().length);
          offset += batch.labelValues().length;
        }
      }
      return DarkKnowledge.of(loaded.source(), request.split(), logits, members, labels, split.classNames(), temperatures,
          request.average() == null ? Average.PROBABILITIES : request.average());
    }
  }
}
