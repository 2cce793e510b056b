package dev.mentor.actors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.OptimizerSpec;
import dev.mentor.messages.spec.ScheduleSpec;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.messages.tensor.TensorFrame;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.data.Augmentation;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.data.SourceData;
import dev.mentor.training.data.SyntheticData;
import dev.mentor.training.distill.DistillationObjective;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.engine.GradMode;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.loop.Batches;
import dev.mentor.training.loop.FreezePlan;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.optim.MentorOptimizer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A teacher streaming its logits over the tensor topic teaches a student training at the same
 * time on another thread exactly as a teacher in the student's own loop would: the student's
 * final weights are bit-identical, every frame is checked against the student's samples, and
 * the teacher never runs more than its bounded lead ahead of the student.
 */
class TensorStreamTest {
  private static final SourceData DATA = SyntheticData.generate(3, 40, 8, 8, 5);
  private static final Normalization NORMALIZATION = Normalization.fit(DATA.train());
  private static final Shape INPUT = new Shape(1, 8, 8);
  private static final ModelSpec TEACHER = new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null);
  private static final ModelSpec STUDENT = new ModelSpec(ModelSpec.Type.MLP, List.of(8), null, null, null, null);
  private static final DistillSpec KD = new DistillSpec(TeacherSpec.ofArm("teacher"), DistillSpec.LogitMode.SOFT_TARGETS, 4.0, 0.9, null, null, null, null);
  private static final long SEED = 11;
  private static final int EPOCHS = 3;
  private static final int MAX_LEAD = 2;

  @TempDir Path state;

  private static Batches batches() {
    return new Batches(DATA.train(), 16, NORMALIZATION, Augmentation.none());
  }

  private static Map<String, Tensor> trainStudent(NDManager manager, DistillationObjective objective) {
    StagedModel student = ModelZoo.create(STUDENT, 3, INPUT, manager, 2);
    Trainer trainer = new Trainer(student, manager, SEED);
    trainer.setObjective(objective);
    Batches train = batches();
    trainer.configure(FreezePlan.apply(student, Set.copyOf(student.stageNames()), ArmSpec.BatchNormMode.FOLLOW_STAGE), MentorOptimizer.create(student,
        new OptimizerSpec(OptimizerSpec.Type.ADAM, 0.01, null, null, null), ScheduleSpec.constant(), train.count(), EPOCHS), null);
    for (int epoch = 1; epoch <= EPOCHS; epoch++) {
      trainer.trainEpoch(train, epoch);
    }
    return ModelWeights.snapshot(student);
  }

  /** The teacher's side: its logits for the student's batches, in the student's order, frame by frame. */
  private static void stream(Teacher teacher, TensorPublisher publisher) throws InterruptedException {
    Batches batches = batches();
    try (NDManager manager = NDManager.newBaseManager()) {
      for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        batches.shuffle(SEED, epoch);
        for (int i = 0; i < batches.count(); i++) {
          TensorFrame frame;
          try (NDManager step = manager.newSubManager(); GradMode off = GradMode.off()) {
            Batches.Batch batch = batches.get(i, step);
            NDArray sampleMajor = teacher.forward(batch.inputs(), Set.of()).memberLogits();
            frame = new TensorFrame("exp", "teacher", "teacher", "logits", epoch, i, batch.sampleIds(), TensorFrame.DType.FLOAT32,
                sampleMajor.getShape().getShape(), sampleMajor.toFloatArray());
          }
          publisher.publish(frame);
        }
      }
    }
  }

  @Test
  void aStreamedTeacherTeachesExactlyLikeALocalOne() throws Exception {
    try (EmbeddedKafka kafka = EmbeddedKafka.start(state.resolve("broker")); NDManager manager = NDManager.newBaseManager()) {
      Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      try (Admin admin = Admin.create(client)) {
        MentorTopics.ensure(admin, (short) 1);
      }
      Teacher teacher = new Teacher(List.of(ModelZoo.create(TEACHER, 3, INPUT, manager, 7)), new ParameterStore(manager, false), "local");
      Map<String, Tensor> local = trainStudent(manager, DistillationObjective.builder().setSpec(KD).setTeacher(teacher)
          .setStore(new ParameterStore(manager, false)).build());

      String stream = Topics.streamName("exp", "teacher", "student", SEED);
      Map<String, Tensor> remote;
      try (TensorPublisher publisher = new TensorPublisher(client, stream, MAX_LEAD);
          KafkaRemoteTeacher remoteTeacher = new KafkaRemoteTeacher(client, stream, Duration.ofSeconds(60))) {
        CompletableFuture<Void> teaching = CompletableFuture.runAsync(() -> {
          try {
            stream(teacher, publisher);
          } catch (InterruptedException e) {
            throw new IllegalStateException(e);
          }
        });
        remote = trainStudent(manager, DistillationObjective.builder().setSpec(KD).optRemoteTeacher(remoteTeacher, 1, 3)
            .setStore(new ParameterStore(manager, false)).build());
        teaching.get();
        assertThat(publisher.maxLeadSeen()).as("frames published ahead of the student").isBetween(1L, (long) MAX_LEAD);
      }
      local.forEach((name, t) -> assertThat(remote.get(name).values()).as(name).containsExactly(t.values()));
    }
  }
}
