package dev.mentor.training.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.CodistillSpec;
import dev.mentor.messages.spec.DistillSpec.LogitMode;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.DistillationObjective;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.loop.Objective;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One co-distilled member's view of its peers (the ensemble's other members, training at the
 * same time): it publishes its own weights after every epoch into its member folder
 * ({@code peer-<epoch>.params}, then {@code peer.epoch}), and before each epoch loads every
 * peer's latest published weights — waiting while a peer is more than the staleness bound
 * behind — as a frozen teacher whose averaged prediction is the member's soft target.
 */
final class Peers {
  private static final Duration PATIENCE = Duration.ofMinutes(10);
  private final CodistillSpec spec;
  private final List<Integer> others = new ArrayList<>();
  private final List<StagedModel> models = new ArrayList<>();
  private final DistillSpec distill;
  int minStaleness = Integer.MAX_VALUE;
  int maxStaleness;
  long stalenessSum;
  int epochsUsed;

  private final RunPaths paths;
  private final ArmSpec arm;
  private final long runSeed;
  private final Path dir;
  private final StagedModel model;
  private final NDManager manager;

  /** Member {@code me} of {@code arm} at run seed {@code runSeed}, publishing {@code model} into {@code dir}. */
  Peers(RunPaths paths, ArmSpec arm, int me, long runSeed, Path dir, StagedModel model, TaskData data, NDManager manager) {
    this.paths = paths;
    this.arm = arm;
    this.runSeed = runSeed;
    this.dir = dir;
    this.model = model;
    this.manager = manager;
    this.spec = arm.ensemble().codistill();
    ImageSet train = data.train();
    for (int m = 0; m < arm.ensemble().members(); m++) {
      if (m != me) {
        others.add(m);
        models.add(ModelZoo.create(arm.model(), data.numClasses(), new Shape(train.channels(), train.height(), train.width()), manager, 0));
      }
    }
    distill = new DistillSpec(TeacherSpec.ofArm("peers"), LogitMode.SOFT_TARGETS, spec.temperature(),
        spec.weight(), null, null, null, null);
  }

  private Path dir(int m) {
    return paths.member(arm.name(), runSeed, m);
  }

  void publish(int epoch, boolean last) throws IOException {
    Path weights = dir.resolve("peer-" + epoch + ".params");
    Path temp = dir.resolve("peer-" + epoch + ".params.tmp");
    ModelWeights.save(model, temp);
    Files.move(temp, weights, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    AtomicFiles.writeString(dir.resolve("peer.epoch"), epoch + (last ? " final" : "") + "\n");
    // Keep the two latest: a peer may be loading the previous one right now.
    Files.deleteIfExists(dir.resolve("peer-" + (epoch - 2) + ".params"));
  }

  /** The objective of {@code epoch}: cross-entropy during burn-in, else distillation towards the peers' fresh weights. */
  Objective objective(int epoch, Objective plain) throws IOException {
    if (epoch <= spec.burnIn()) {
      return plain;
    }
    int oldest = Integer.MAX_VALUE;
    for (int i = 0; i < others.size(); i++) {
      oldest = Math.min(oldest, load(others.get(i), models.get(i), epoch));
    }
    int staleness = Math.max(0, epoch - 1 - oldest);
    minStaleness = Math.min(minStaleness, staleness);
    maxStaleness = Math.max(maxStaleness, staleness);
    stalenessSum += staleness;
    epochsUsed++;
    Teacher teacher = new Teacher(models, new ParameterStore(manager, false), "co-distillation peers");
    return DistillationObjective.builder().setSpec(distill).setTeacher(teacher).setStore(new ParameterStore(manager, false)).build();
  }

  /** Loads peer {@code m}'s newest weights once they are recent enough for {@code epoch}; returns their epoch. */
  private int load(int m, StagedModel into, int epoch) throws IOException {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    int needed = epoch - 1 - spec.staleness();
    while (true) {
      Path marker = dir(m).resolve("peer.epoch");
      if (Files.exists(marker)) {
        String[] published = Files.readString(marker).trim().split(" ");
        int at = Integer.parseInt(published[0]);
        boolean last = published.length > 1;
        if (at >= needed || last) {
          // Bound 0 is synchronous mutual learning: exactly the peers' previous epoch, so the run is reproducible.
          int use = spec.staleness() == 0 ? Math.min(at, epoch - 1) : at;
          try {
            ModelWeights.loadBackbone(into, dir(m).resolve("peer-" + use + ".params"), true);
            return use;
          } catch (NoSuchFileException e) {
            // replaced by a newer epoch meanwhile: read the marker again
            continue;
          }
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("co-distillation: member " + m + " of arm '" + arm.name() + "' has not published epoch "
            + needed + " within " + PATIENCE.toMinutes() + " minutes (members must train at the same time)");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for co-distillation peers", e);
      }
    }
  }
}
