package dev.mentor.training.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.data.Percentage.withPercentage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.EnsembleSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stacked ensembles end to end: the members unstacked into runs of their own, the ensemble's
 * accuracy and uncertainty within noise of the same ensemble trained member after member, and the
 * spec's {@code ensemble.stacked} refused where the stacker cannot stack.
 */
class StackedEnsembleTest {
  private static final Path DATA = Path.of("/usr/share/datasets/fashion-mnist");
  private static final ObjectMapper JSON = SpecReader.json();

  @TempDir Path output;

  private static ExperimentSpec synthetic(String arm) {
    return SpecReader.parse("""
        name: stacked
        seeds: [1]
        data: {source: synthetic, syntheticClasses: 4, syntheticPerClass: 40}
        tasks: {t: {classes: [0, 1, 2, 3], ood: [{type: noise, severity: 0.4}]}}
        defaults: {task: t, epochs: 2, batchSize: 16, model: {type: cnn, channels: [4, 8], hidden: 16, dropout: 0.2}}
        arms:
          - %s
        """.formatted(arm));
  }

  private static SpecException refused(String arm) {
    SpecException error = catchThrowableOfType(SpecException.class, () -> synthetic(arm));
    assertThat(error).as("the spec must be refused: %s", arm).isNotNull();
    return error;
  }

  @Test
  void stackedMembersAreWrittenAsRunsOfTheirOwn_andThePlanHasNoMemberTasks() throws IOException {
    ExperimentSpec spec = synthetic("{name: e, ensemble: {members: 3, stacked: true}}");
    assertThat(RunPlan.of(spec).tasks()).extracting(RunPlan.Task::isMember).containsOnly(false);
    List<RunRecord> records = new ExperimentRunner(spec, output, output).run(RunListener.NONE);
    RunRecord ensemble = records.get(0);
    assertThat(ensemble.ensemble().members()).isEqualTo(3);
    Path run = output.resolve("stacked").resolve("e-s1");
    for (int m = 0; m < 3; m++) {
      Path member = run.resolve("member-" + m);
      assertThat(member.resolve("model.params")).isRegularFile();
      assertThat(member.resolve("environment.json")).isRegularFile();
      assertThat(Files.readAllLines(member.resolve("metrics.csv"))).hasSize(3);
      RunRecord record = JSON.readValue(member.resolve("results.json").toFile(), RunRecord.class);
      assertThat(record.seed()).isEqualTo(RunExecutor.memberSeed(1, m));
      assertThat(record.epochsRun()).isEqualTo(2);
      assertThat(record.history()).hasSize(2);
      assertThat(record.events()).anySatisfy(e -> assertThat(e.message()).contains("trained stacked"));
      assertThat(record.test().accuracy()).isBetween(0.0, 1.0);
    }
    // Running again reads the finished members and the run.
    List<RunRecord> again = new ExperimentRunner(spec, output, output).run(RunListener.NONE);
    assertThat(again.get(0).test().accuracy()).isEqualTo(ensemble.test().accuracy());
  }

  /** Stops the run when it hears that {@code epoch} is saved, as a service stopping between epochs does. */
  private record StopAfter(int epoch) implements RunListener {
    @Override
    public void epochSaved(String arm, long seed, int saved) {
      if (saved == epoch) {
        throw new IllegalStateException("stopped after epoch " + saved);
      }
    }
  }

  @Test
  void aStackedRunStoppedAfterAnEpochGoesOnFromItsCheckpoint_andEndsWhereAnUninterruptedRunEnds() throws IOException {
    ExperimentSpec spec = synthetic("{name: e, epochs: 3, ensemble: {members: 2, stacked: true}}");
    Path straight = output.resolve("straight");
    Path stopped = output.resolve("stopped");
    new ExperimentRunner(spec, straight, straight).run(RunListener.NONE);
    Throwable stop = catchThrowableOfType(RuntimeException.class, () -> new ExperimentRunner(spec, stopped, stopped).run(new StopAfter(1)));
    assertThat(stop).isNotNull();
    Path run = stopped.resolve("stacked").resolve("e-s1");
    // What the listener was told is saved is on disk: the stacked state after epoch 1, no member record yet.
    assertThat(run.resolve(StackedCheckpoint.FOLDER).resolve("state.json")).isRegularFile();
    assertThat(run.resolve("member-0").resolve("results.json")).doesNotExist();
    java.util.List<Integer> resumedFrom = new java.util.ArrayList<>();
    new ExperimentRunner(spec, stopped, stopped).run(new RunListener() {
      @Override
      public void runStarted(String arm, long seed, int epochsPlanned, boolean resumed) {
        assertThat(resumed).isTrue();
      }

      @Override
      public void epochFinished(String arm, long seed, dev.mentor.messages.record.EpochMetrics metrics) {
        resumedFrom.add(metrics.epoch());
      }
    });
    assertThat(resumedFrom).as("only epochs 2 and 3 train again, for each member").containsExactly(2, 2, 3, 3);
    assertThat(run.resolve(StackedCheckpoint.FOLDER)).doesNotExist();
    for (int m = 0; m < 2; m++) {
      RunRecord expected = JSON.readValue(straight.resolve("stacked/e-s1/member-" + m + "/results.json").toFile(), RunRecord.class);
      RunRecord resumed = JSON.readValue(run.resolve("member-" + m + "/results.json").toFile(), RunRecord.class);
      assertThat(resumed.history()).hasSize(3);
      // Same process, same operations in the same order: the resumed member ends with the same weights.
      assertThat(Files.readAllBytes(run.resolve("member-" + m + "/model.params")))
          .isEqualTo(Files.readAllBytes(straight.resolve("stacked/e-s1/member-" + m + "/model.params")));
      assertThat(resumed.test().nll()).isEqualTo(expected.test().nll());
      for (int e = 0; e < 3; e++) {
        assertThat(resumed.history().get(e).trainLoss()).isEqualTo(expected.history().get(e).trainLoss());
      }
    }
  }

  @Test
  void stackedIsRefusedWhereTheStackerCannotStack_namingTheField() {
    SpecException codistill = refused("{name: e, ensemble: {members: 2, stacked: true, codistill: {weight: 0.5}}}");
    assertThat(codistill.field()).isEqualTo("arms[0].ensemble.stacked");
    assertThat(codistill.reason()).contains("codistill");
    SpecException resnet = refused("{name: e, model: {type: resnet, channels: [4]}, ensemble: {members: 2, stacked: true}}");
    assertThat(resnet.field()).isEqualTo("arms[0].ensemble.stacked");
    assertThat(resnet.reason()).contains("resnet", "stacked: false");
    assertThat(refused("{name: e, earlyStopping: {patience: 2}, ensemble: {members: 2, stacked: true}}").reason()).contains("early stopping");
    assertThat(refused("{name: e, overfitting: {stop: true}, ensemble: {members: 2, stacked: true}}").reason()).contains("overfitting.stop");
    assertThat(refused("{name: e, pruning: {fraction: 0.5}, ensemble: {members: 2, stacked: true}}").reason()).contains("pruning");
    assertThat(refused("{name: e, batchNorm: frozen, ensemble: {members: 2, stacked: true}}").reason()).contains("batchNorm");
    // The same arms without stacked: true, or with stacked: false, train their members one after another.
    ExperimentSpec unstacked = synthetic("{name: e, model: {type: resnet, channels: [4]}, ensemble: {members: 2}}");
    assertThat(unstacked.arms().get(0).stacksMembers()).isFalse();
    assertThat(synthetic("{name: e, ensemble: {members: 2, stacked: false}}").arms().get(0).stacksMembers()).isFalse();
    assertThat(synthetic("{name: e, ensemble: {members: 2}}").arms().get(0).stacksMembers()).isEqualTo(EnsembleSpec.STACKED_BY_DEFAULT);
    assertThat(RunPlan.of(unstacked).tasks()).extracting(RunPlan.Task::isMember).contains(true);
  }

  @Test
  void stackedEnsembleMatchesTheUnstackedEnsembleOnFashionMnist_overThreeSeeds() throws IOException {
    assumeTrue(Files.isRegularFile(DATA.resolve("train-images-idx3-ubyte.gz")), "Fashion-MNIST is not installed at " + DATA);
    ExperimentSpec spec = SpecReader.parse("""
        name: stacked-fashion
        seeds: [1, 2, 3]
        data: {source: fashion-mnist, path: %s}
        tasks:
          all:
            classes: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
            perClass: 100
            validationPerClass: 10
            testPerClass: 60
        defaults:
          task: all
          epochs: 2
          batchSize: 64
          model: {type: cnn, channels: [4, 8], hidden: 32, dropout: 0.25}
          optimizer: {type: adam, lr: 0.003}
        arms:
          - {name: stacked, ensemble: {members: 3, stacked: true}}
          - {name: sequential, ensemble: {members: 3, stacked: false}}
        """.formatted(DATA));
    List<RunRecord> records = new ExperimentRunner(spec, output, output).run(RunListener.NONE);
    for (long seed = 1; seed <= 3; seed++) {
      long s = seed;
      RunRecord stacked = records.stream().filter(r -> r.arm().equals("stacked") && r.seed() == s).findFirst().orElseThrow();
      RunRecord sequential = records.stream().filter(r -> r.arm().equals("sequential") && r.seed() == s).findFirst().orElseThrow();
      EnsembleMetrics.UncertaintyStats a = stacked.ensemble().uncertainty().get("test");
      EnsembleMetrics.UncertaintyStats b = sequential.ensemble().uncertainty().get("test");
      System.out.printf(Locale.ROOT, "seed %d: accuracy %.4f stacked / %.4f sequential, NLL %.4f / %.4f, mutual information %.4f / %.4f%n",
          seed, stacked.test().accuracy(), sequential.test().accuracy(), stacked.test().nll(), sequential.test().nll(),
          a.mutualInformation(), b.mutualInformation());
      // The same computation on other kernels (rounding differs): 600 test samples, so 0.01 is 6 of them.
      assertThat(stacked.test().accuracy()).as("seed %d ensemble test accuracy", seed).isCloseTo(sequential.test().accuracy(),
          offset(0.01));
      assertThat(stacked.test().nll()).as("seed %d ensemble test NLL", seed).isCloseTo(sequential.test().nll(),
          withPercentage(3));
      assertThat(a.mutualInformation()).as("seed %d mutual information", seed).isCloseTo(b.mutualInformation(),
          withPercentage(15));
      assertThat(a.entropy()).as("seed %d predictive entropy", seed).isCloseTo(b.entropy(), withPercentage(5));
      assertThat(stacked.test().accuracy()).as("the ensemble learns").isGreaterThan(0.65);
    }
  }
}
