package dev.mentor.training.run;

import static dev.mentor.training.run.ExperimentData.augmentation;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.DistillationObjective;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.distill.TeacherStreams;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.loop.Batches;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The teacher's side of a stream to a student running elsewhere: the student's batches replayed through the teacher. */
final class TeacherReplay {
  private TeacherReplay() {}

  /**
   * The teacher's side of a stream: replays the student run's training batches — the same task
   * split, order and augmentation draws per (seed, epoch) as the student's trainer — from epoch
   * {@code epochsDone + 1} to the student's last planned epoch, and hands the teacher's logits of
   * each batch (samples × members × classes, with the batch's sample ids) to {@code sink}, then
   * the outputs of the teacher stages the student's feature terms need, one per stage.
   * {@code member} ≥ 0 streams that member of an ensemble teacher alone (samples × 1 × classes),
   * so an ensemble's members can publish side by side; -1 streams the whole teacher.
   */
  static void stream(RunContext ctx, TeacherStreams.Request request, int member, Device device, RunExecutor.FrameSink sink)
      throws IOException, InterruptedException {
    ArmSpec arm = ctx.spec().arm(request.studentArm());
    if (arm == null || arm.distill() == null) {
      throw new IllegalArgumentException("arm '" + request.studentArm() + "' of experiment '" + ctx.spec().name() + "' has no teacher");
    }
    TaskData data = ctx.data().split(arm.task(), request.seed());
    ImageSet train = data.train();
    try (NDManager manager = NDManager.newBaseManager(device)) {
      Normalization inputs = ctx.data().normalization(arm, request.seed());
      Teacher whole = ctx.teachers().load(arm.distill().teacher(), request.seed(), data.numClasses(),
          new Shape(train.channels(), train.height(), train.width()), manager, inputs);
      if (member >= whole.members().size()) {
        throw new IllegalArgumentException("the teacher of arm '" + arm.name() + "' has " + whole.members().size() + " members, not " + (member + 1));
      }
      Teacher teacher = member < 0 ? whole : whole.member(member, new ParameterStore(manager, false));
      Batches batches = new Batches(train, arm.batchSize(), inputs, augmentation(arm.augmentation()));
      int planned = RunExecutor.plannedEpochs(arm);
      Set<String> stages = DistillationObjective.teacherStages(arm.distill());
      for (int epoch = request.epochsDone() + 1; epoch <= planned; epoch++) {
        // The student's trainer draws order and augmentation from (its seed, epoch); a student is not an ensemble, so its seed is the run's.
        batches.shuffle(request.seed(), epoch);
        for (int i = 0; i < batches.count(); i++) {
          long[] ids;
          long[] shape;
          float[] values;
          Map<String, float[]> tapValues = new LinkedHashMap<>();
          Map<String, long[]> tapShapes = new LinkedHashMap<>();
          try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
            Batches.Batch batch = batches.get(i, step);
            Teacher.Output out = teacher.forward(batch.inputs(), stages);
            ids = batch.sampleIds();
            shape = out.memberLogits().getShape().getShape();
            values = out.memberLogits().toFloatArray();
            for (String stage : stages) {
              tapValues.put(stage, out.taps().get(stage).toFloatArray());
              tapShapes.put(stage, out.taps().get(stage).getShape().getShape());
            }
          }
          if (!sink.frame(epoch, i, ids, shape, values)) {
            return;
          }
          for (String stage : stages) {
            if (!sink.stage(epoch, i, stage, ids, tapShapes.get(stage), tapValues.get(stage))) {
              return;
            }
          }
        }
      }
    }
  }
}
