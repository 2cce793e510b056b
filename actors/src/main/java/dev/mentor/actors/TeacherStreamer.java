package dev.mentor.actors;

import dev.mentor.actors.ExperimentSupervisor.PreparedExperiment;
import dev.mentor.actors.kafka.TensorPublisher;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.tensor.TeacherStreamRequest;
import dev.mentor.messages.tensor.TensorFrame;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.distill.TeacherStreams;
import dev.mentor.training.run.ExperimentRunner;
import dev.mentor.training.run.RunExecutor;
import dev.mentor.training.run.RunListener;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A teacher actor serving one student's request: takes a device slot from the {@link
 * DeviceAllocator}, loads the teacher (from the shared output folder) and replays the student
 * run's batches, publishing the teacher's logits of each as a frame on the tensor topic — and the
 * outputs of the teacher stages the student's feature terms need, a features frame per stage —
 * at most the request's lead of frames ahead of the student. It ends when the student's last epoch is sent or the
 * student says it needs no more, then gives its slot back and stops.
 */
final class TeacherStreamer {
  /** The streamer's protocol: its slot granted, then its stream ended. */
  sealed interface Command permits SlotGranted, Streamed {}

  private record SlotGranted(DeviceAllocator.Granted granted) implements Command {}

  /** The stream ended: sent all, or the student needs no more ({@code failure} null), or failed. */
  private record Streamed(Throwable failure) implements Command {}

  private final ActorContext<Command> context;
  private final TeacherStreamRequest request;
  private final PreparedExperiment local;
  private final Map<String, Object> clientProperties;
  private final Path baseDir;
  private final Path outputRoot;
  private final ActorRef<DeviceAllocator.Command> devices;
  private final CpuShare cpuShare;

  private TeacherStreamer(ActorContext<Command> context, TeacherStreamRequest request, PreparedExperiment local,
      Map<String, Object> clientProperties, Path baseDir, Path outputRoot, ActorRef<DeviceAllocator.Command> devices, CpuShare cpuShare) {
    this.context = context;
    this.request = request;
    this.local = local;
    this.clientProperties = clientProperties;
    this.baseDir = baseDir;
    this.outputRoot = outputRoot;
    this.devices = devices;
    this.cpuShare = cpuShare;
  }

  /**
   * {@code local}: the experiment as this process prepared it, when it runs the student's
   * experiment with the request's very spec ({@link PreparedExperiment#serves}); null to parse
   * the request's spec and prepare the experiment here (its student runs in another process).
   */
  static Behavior<Command> create(TeacherStreamRequest request, PreparedExperiment local, Map<String, Object> clientProperties, Path baseDir,
      Path outputRoot, ActorRef<DeviceAllocator.Command> devices, CpuShare cpuShare) {
    return Behaviors.setup(context -> {
      TeacherStreamer streamer = new TeacherStreamer(context, request, local, clientProperties, baseDir, outputRoot, devices, cpuShare);
      ActorRef<DeviceAllocator.Granted> grants = context.messageAdapter(DeviceAllocator.Granted.class, SlotGranted::new);
      devices.tell(new DeviceAllocator.Acquire(new DeviceAllocator.TeacherStream(request.stream()), grants, context.getSelf()));
      return streamer.waitingForSlot();
    });
  }

  private Behavior<Command> waitingForSlot() {
    return Behaviors.receive(Command.class)
        .onMessage(SlotGranted.class, this::onGranted)
        .build();
  }

  private Behavior<Command> onGranted(SlotGranted granted) {
    DeviceAllocator.Slot slot = granted.granted().slot();
    Executor training = context.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(ExperimentSupervisor.TRAINING_DISPATCHER));
    context.pipeToSelf(CompletableFuture.runAsync(() -> {
      if (slot.onCpu()) {
        cpuShare.enter();
      }
      stream(slot);
    }, training), (ok, failure) -> new Streamed(failure));
    return streaming(slot);
  }

  private Behavior<Command> streaming(DeviceAllocator.Slot slot) {
    return Behaviors.receive(Command.class)
        .onMessage(Streamed.class, streamed -> {
          devices.tell(new DeviceAllocator.Release(slot));
          if (streamed.failure() != null) {
            System.err.println("mentor: teacher stream " + request.stream() + " failed: " + ExperimentSupervisor.rootCause(streamed.failure()));
          }
          return Behaviors.stopped();
        })
        .build();
  }

  private void stream(DeviceAllocator.Slot slot) {
    try {
      // Reusing the prepared experiment is safe: the request carries exactly the spec it was
      // prepared from (same experiment id, same resolved JSON), so parsing and preparing it again
      // would give the same spec, data and teacher files. A stream reads only the spec, the data
      // (ExperimentData: thread-safe, its per-seed splits shared with the runs training now) and
      // the teacher's weights from the output folder; never the executor's listener, teacher
      // streams or output store, so the experiment's status events are not touched.
      ExperimentSpec spec = local != null ? local.spec() : SpecReader.parseResolved(request.spec());
      RunExecutor executor = local != null ? local.executor() : new ExperimentRunner(spec, baseDir, outputRoot).prepare(RunListener.NONE);
      TeacherStreams.Request run = new TeacherStreams.Request(request.experimentId(), request.studentArm(), request.seed(),
          request.epochsDone(), 0, 0);
      var teacher = spec.arm(request.studentArm()).distill().teacher();
      String producer = teacher.checkpoint() == null ? String.join("+", teacher.armNames()) : "checkpoint";
      if (request.memberStreams() == 0) {
        publish(executor, run, -1, producer, slot);
        return;
      }
      // An ensemble's members side by side on this slot, each publishing its own frames.
      ExecutorService members = Executors.newFixedThreadPool(request.memberStreams());
      try {
        List<Future<?>> running = new ArrayList<>();
        for (int m = 0; m < request.memberStreams(); m++) {
          int member = m;
          running.add(members.submit(() -> {
            if (slot.onCpu()) {
              cpuShare.enter();
            }
            publish(executor, run, member, producer, slot);
            return null;
          }));
        }
        for (Future<?> f : running) {
          f.get();
        }
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      } finally {
        members.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Streams the whole teacher ({@code member} -1) or one member of an ensemble teacher to the request's stream. */
  private void publish(RunExecutor executor, TeacherStreams.Request run, int member, String producer, DeviceAllocator.Slot slot)
      throws IOException, InterruptedException {
    String logitsName = member < 0 ? Topics.LOGITS_FRAME : Topics.memberFrame(member);
    try (TensorPublisher publisher = new TensorPublisher(clientProperties, request.stream(), request.maxLead())) {
      executor.streamTeacher(run, member, slot.djlDevice(), new RunExecutor.FrameSink() {
        @Override
        public boolean frame(int epoch, int batch, long[] ids, long[] shape, float[] values) throws InterruptedException {
          return publisher.publish(new TensorFrame(request.experimentId(), producer, member < 0 ? "teacher" : "ensemble-member", "logits", epoch,
              batch, ids, TensorFrame.DType.FLOAT32, shape, values, logitsName));
        }

        @Override
        public boolean stage(int epoch, int batch, String stage, long[] ids, long[] shape, float[] values) throws InterruptedException {
          return publisher.publish(new TensorFrame(request.experimentId(), producer, "teacher", "features", epoch, batch, ids,
              TensorFrame.DType.FLOAT32, shape, values, stage));
        }
      });
    }
  }
}
