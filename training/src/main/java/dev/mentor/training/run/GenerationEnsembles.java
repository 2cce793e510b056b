package dev.mentor.training.run;

import static dev.mentor.training.run.ExperimentData.evaluationBatches;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.eval.Ensembles;
import dev.mentor.training.eval.GenerationEnsemble;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.loop.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The born-again network ensembles of an experiment ({@link GenerationEnsemble}): for every
 * finished run of generation k >= 2, generations 1..k at its seed loaded (their final weights, as
 * a teacher made of several arms is), their test predictions averaged, and the result written to
 * generation k's run folder. Made when the report is written, for the runs that lack one, so an
 * experiment finished before ensembles were made gets them too; a few forward passes over the
 * test split per run.
 */
final class GenerationEnsembles {
  private static final ObjectMapper JSON = SpecReader.json();

  private GenerationEnsembles() {}

  /** The ensembles the experiment's runs have, by the arm of their last generation, each with its seeds' in seed order. */
  static Map<String, List<GenerationEnsemble>> readAll(ExperimentSpec spec, RunPaths paths) throws IOException {
    Map<String, List<GenerationEnsemble>> out = new LinkedHashMap<>();
    for (ArmSpec arm : spec.arms()) {
      if (arm.generation() == null || arm.generation().number() < 2) {
        continue;
      }
      List<GenerationEnsemble> seeds = new ArrayList<>();
      for (long seed : spec.seeds()) {
        Path file = paths.run(arm.name(), seed).resolve(GenerationEnsemble.FILE);
        if (Files.isRegularFile(file)) {
          seeds.add(JSON.readValue(file.toFile(), GenerationEnsemble.class));
        }
      }
      if (!seeds.isEmpty()) {
        out.put(arm.name(), seeds);
      }
    }
    return out;
  }

  static void write(ExperimentSpec spec, Path baseDir, RunPaths paths, SourceData source) throws IOException {
    List<ArmSpec> later = spec.arms().stream().filter(a -> a.generation() != null && a.generation().number() >= 2).toList();
    if (later.isEmpty() || source == null) {
      return;
    }
    ExperimentData data = null;
    TeacherLoader loader = new TeacherLoader(spec, baseDir, paths);
    for (ArmSpec arm : later) {
      List<String> members = spec.arms().stream()
          .filter(a -> a.generation() != null && a.generation().arm().equals(arm.generation().arm()) && a.generation().number() >= 1
              && a.generation().number() <= arm.generation().number())
          .sorted((a, b) -> Integer.compare(a.generation().number(), b.generation().number()))
          .map(ArmSpec::name).toList();
      for (long seed : spec.seeds()) {
        Path file = paths.run(arm.name(), seed).resolve(GenerationEnsemble.FILE);
        if (Files.exists(file) || members.stream().anyMatch(m -> !Files.isRegularFile(paths.results(m, seed)))) {
          continue;
        }
        if (data == null) {
          data = new ExperimentData(spec, baseDir, paths, source, List.of());
        }
        TaskData split = data.split(arm.task(), seed);
        ImageSet test = split.test();
        try (NDManager manager = NDManager.newBaseManager()) {
          Teacher ensemble = loader.load(new TeacherSpec(null, null, null, null, members), seed, split.numClasses(),
              new Shape(test.channels(), test.height(), test.width()), manager, data.normalization(arm, seed));
          List<Predictions> predictions = new ArrayList<>();
          for (int m = 0; m < ensemble.members().size(); m++) {
            predictions.add(new Trainer(ensemble.members().get(m), manager, seed).predict(evaluationBatches(test, ensemble.inputsOf(m))));
          }
          GenerationEnsemble result = new GenerationEnsemble(arm.name(), seed, members, Metrics.of(Ensembles.average(predictions)));
          AtomicFiles.writeString(file, SpecReader.toJson(result));
        }
      }
    }
  }
}
