package dev.mentor.actors.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chaos scenarios at CI size on real processes (a broker and {@code mentor serve} in child
 * JVMs on loopback), one test each, so that a failure names its scenario; the table of inputs,
 * faults and invariants is printed and is the failure's message.
 */
class ChaosTest {
  private static final long SEED = 20240611L;

  @TempDir Path work;

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void hostileCorpus_isRejectedOneRecordEach_andTheServiceRunsTheNextValidJob() {
    assertPassed(HostileCorpusScenario.run(work, HostileCorpusScenario.Size.ci(), SEED));
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void stalledHttpClient_doesNotDelayHealthAnswers() {
    assertPassed(StalledClientScenario.run(work, StalledClientScenario.Size.ci()));
  }

  @Test
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  void soak_manyExperimentsThroughOneProcess_leakNoMemoryOrThreads() {
    assertPassed(SoakScenario.run(work, SoakScenario.Size.ci(), SEED));
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void killedServe_completesItsExperimentOnce_withOneResultPerRun() {
    assertPassed(ServeKillScenario.run(work, ServeKillScenario.Size.ci(), SEED));
  }

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void brokerOutages_loseNoEvent_andTheServiceObeysControlWithoutRestart() {
    assertPassed(BrokerOutageScenario.run(work, BrokerOutageScenario.Size.ci(), SEED));
  }

  private static void assertPassed(ScenarioResult result) {
    System.out.println(result.table());
    assertThat(result.failures()).as(result.table()).isEmpty();
    assertThat(result.passed()).isTrue();
  }
}
