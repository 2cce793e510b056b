package dev.mentor.training.loop;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.StagedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Two trainers stepping at the same time on two threads end with exactly the weights of the same
 * two runs done one after the other: gradient recording is per thread ({@code GradMode}), not
 * DJL's one-collector-per-JVM, so concurrent trainers neither block nor disturb each other.
 */
class ConcurrentTrainersTest {
  private static final int EPOCHS = 15;

  /** Start and end of each concurrent run, to check that they did overlap. */
  private static final long[][] SPANS = new long[2][2];

  private static Map<String, Tensor> train(long seed, boolean cnn, int slot) {
    long begin = System.nanoTime();
    Map<String, Tensor> weights = train(seed, cnn);
    SPANS[slot][0] = begin;
    SPANS[slot][1] = System.nanoTime();
    return weights;
  }

  private static Map<String, Tensor> train(long seed, boolean cnn) {
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = LoopFixtures.model(cnn ? LoopFixtures.CNN : LoopFixtures.MLP, manager, seed);
      Trainer trainer = LoopFixtures.trainer(model, manager, Set.copyOf(model.stageNames()), "follow-stage");
      Batches batches = LoopFixtures.trainBatches();
      for (int epoch = 1; epoch <= EPOCHS; epoch++) {
        trainer.trainEpoch(batches, epoch);
      }
      return ModelWeights.snapshot(model);
    }
  }

  @Test
  void twoTrainersAtOnceEndWithTheWeightsOfTwoRunsOneAfterTheOther() throws Exception {
    Map<String, Tensor> cnnAlone = train(3, true);
    Map<String, Tensor> mlpAlone = train(4, false);

    ExecutorService pool = Executors.newFixedThreadPool(2);
    CyclicBarrier start = new CyclicBarrier(2);
    try {
      List<Future<Map<String, Tensor>>> runs = new ArrayList<>();
      runs.add(pool.submit(() -> {
        start.await();
        return train(3, true, 0);
      }));
      runs.add(pool.submit(() -> {
        start.await();
        return train(4, false, 1);
      }));
      assertSame(runs.get(0).get(), cnnAlone);
      assertSame(runs.get(1).get(), mlpAlone);
      assertThat(Math.max(SPANS[0][0], SPANS[1][0])).as("the two runs overlapped in time").isLessThan(Math.min(SPANS[0][1], SPANS[1][1]));
    } finally {
      pool.shutdownNow();
    }
  }

  private static void assertSame(Map<String, Tensor> actual, Map<String, Tensor> expected) {
    assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
    expected.forEach((name, t) -> assertThat(actual.get(name).values()).as(name).containsExactly(t.values()));
  }
}
