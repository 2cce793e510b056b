package dev.mentor.training.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.FeatureTermSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.StagePair;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.distill.DistillationMethods;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The checks of a distillation student that need the models built: the stage shapes its
 * feature terms match (attention needs feature maps whose spatial sizes can be resampled into
 * each other; a FitNets regressor needs a student map it can resample, or flattens), and a
 * teacher checkpoint that exists and fits the teacher's architecture and the student's classes.
 */
final class DistillChecks {
  private DistillChecks() {}

  /**
   * Everything {@link #check} reads of a student: students that agree on it pass or fail
   * together, so a validation builds their models once (the students of a sweep over T and α
   * differ in nothing it reads).
   */
  record Inputs(ModelSpec student, ModelSpec teacher, TeacherSpec source, List<Integer> classes, List<FeatureTermSpec> features) {
    static Inputs of(ExperimentSpec spec, ArmSpec arm, TeacherLoader teachers) {
      DistillSpec distill = arm.distill();
      TeacherSpec source = distill.teacher().checkpoint() == null ? null : distill.teacher();
      return new Inputs(arm.model(), teachers.model(distill.teacher()), source, spec.tasks().get(arm.task()).classes(), distill.features());
    }
  }

  static void check(ExperimentSpec spec, ArmSpec arm, String field, SourceData source, TeacherLoader teachers) {
    DistillSpec distill = arm.distill();
    int classes = spec.tasks().get(arm.task()).classes().size();
    var train = source.train();
    Shape input = new Shape(train.channels(), train.height(), train.width());
    ModelSpec teacherModel = teachers.model(distill.teacher());
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel student = ModelZoo.create(arm.model(), classes, input, manager, 0);
      StagedModel teacher = ModelZoo.create(teacherModel, classes, input, manager, 0);
      if (distill.teacher().checkpoint() != null) {
        Path file = teachers.checkpointFile(distill.teacher().checkpoint());
        if (!ModelWeights.exists(file)) {
          throw new SpecException(field + ".teacher.checkpoint", "file not found: " + file);
        }
        try {
          ModelWeights.loadBackbone(teacher, file, true);
        } catch (IOException | IllegalArgumentException e) {
          throw new SpecException(field + ".teacher.checkpoint", "does not fit the teacher model " + teacherModel + " with " + classes
              + " classes: " + e.getMessage());
        }
        HeadClasses.check(file, field + ".teacher.checkpoint", field + ".teacher.classes", distill.teacher().classes(),
            spec.tasks().get(arm.task()).classes());
      }
      Map<String, Shape> studentShapes = student.stageOutputShapes();
      Map<String, Shape> teacherShapes = teacher.stageOutputShapes();
      for (int f = 0; f < distill.features().size(); f++) {
        FeatureTermSpec term = distill.features().get(f);
        List<StagePair> pairs = term.pairs();
        for (int j = 0; j < pairs.size(); j++) {
          Shape s = studentShapes.get(pairs.get(j).student());
          Shape t = teacherShapes.get(pairs.get(j).teacher());
          String problem = DistillationMethods.feature(term).problem(s, t);
          if (problem != null) {
            throw new SpecException(field + ".features[" + f + "].pairs[" + j + "]", term.method() + " cannot match student stage '"
                + pairs.get(j).student() + "' " + s + " to teacher stage '" + pairs.get(j).teacher() + "' " + t + ": " + problem);
          }
        }
      }
    }
  }

}
