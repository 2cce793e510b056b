package dev.mentor.actors.chaos;

import dev.mentor.messages.job.ControlRequest.Action;
import dev.mentor.messages.job.StatusEvent.Kind;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * (c) The broker killed ({@code kill -9}) K times during one experiment, each time for longer
 * than every client timeout of the service, then started again on the same configuration, ports
 * and data. Nothing is submitted during the outages. After the first one, the experiment is
 * paused and resumed over the control topic; after the last one a second job is submitted. The
 * one service process must come through without a restart: no status event lost, one result
 * record per run, control obeyed, the second job run, and ready again once the broker is back.
 */
public final class BrokerOutageScenario {
  /**
   * Outages (count, shortest and longest duration, drawn from the seed), whether the service runs
   * with shortened client timeouts ({@link #SHORT_TIMEOUTS}; else Kafka's defaults), the first
   * experiment's samples per class and fewest epochs (it gets as many more as it needs to outlast
   * the outages, from a calibration job's speed), and how long the paused experiment is watched
   * for epochs.
   */
  public record Size(int outages, Duration shortest, Duration longest, boolean shortTimeouts, int minEpochs, int perClass, Duration pauseWatch) {
    public static Size ci() {
      return new Size(2, Duration.ofSeconds(20), Duration.ofSeconds(20), true, 100, 100, Duration.ofSeconds(5));
    }

    public static Size full() {
      return new Size(3, Duration.ofSeconds(70), Duration.ofSeconds(90), false, 300, 100, Duration.ofSeconds(15));
    }
  }

  /** Epochs of the calibration job, which measures how fast the first experiment's runs train on this machine now. */
  private static final int CALIBRATION_EPOCHS = 12;

  /** Client settings that make a CI outage of 20 s longer than every timeout of the service's clients. */
  static final Map<String, String> SHORT_TIMEOUTS = Map.of("request.timeout.ms", "5000", "default.api.timeout.ms", "10000", "max.block.ms", "5000",
      "session.timeout.ms", "10000", "heartbeat.interval.ms", "2000");

  private static final Duration RECOVERY_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(15);

  private BrokerOutageScenario() {}

  public static ScenarioResult run(Path work, Size size, long seed) {
    ScenarioResult.Findings findings = new ScenarioResult.Findings("c: broker kill -9, " + size.outages() + " outages during one experiment");
    SplittableRandom random = new SplittableRandom(seed);
    String id = "outage-" + seed;
    String second = "after-outage-" + seed;
    List<String> runs = ChaosSpecs.CNN_AND_MLP.keySet().stream().sorted().map(arm -> arm + "/s1").toList();
    findings.fact("client timeouts of mentor serve", size.shortTimeouts() ? new TreeMap<>(SHORT_TIMEOUTS).toString() : "Kafka's defaults");
    List<String> notRunningAtOutage = new ArrayList<>();
    List<String> readyAfter = new ArrayList<>();
    boolean readyEveryTime = true;
    try (ChaosRig rig = ChaosRig.start(work, findings)) {
      Path clientConfig = size.shortTimeouts() ? writeClientConfig(work.resolve("client.properties")) : null;
      findings.step("starting mentor serve");
      ServeProcess serve = rig.startServe(clientConfig, 1);
      long servePid = serve.pid();
      int port = serve.metricsPort();
      findings.step("calibration job");
      int epochs = epochsToOutlast(findings, rig, size, seed);
      findings.fact("experiment", id + ": " + runs.size() + " runs (" + String.join(", ", runs) + ") × " + epochs + " epochs, 1 CPU slot");
      rig.submit(id, ChaosSpecs.experiment(id, ChaosSpecs.CNN_AND_MLP, List.of(1L), epochs, 3, size.perClass()));
      findings.step("waiting for the first epoch");
      if (rig.status.await(id, 0, e -> e.kind() == Kind.EPOCH, RECOVERY_TIMEOUT) == null) {
        throw new IllegalStateException("no epoch event within " + RECOVERY_TIMEOUT.toSeconds() + " s: " + rig.describe(id));
      }
      for (int k = 1; k <= size.outages(); k++) {
        if (rig.awaitEnd(id, Duration.ZERO) != null) {
          notRunningAtOutage.add("outage " + k);
        }
        Duration outage = size.shortest().plusMillis(random.nextLong(size.longest().minus(size.shortest()).toMillis() + 1));
        findings.step("outage " + k);
        long brokerPid = rig.broker.pid();
        rig.broker.kill();
        long down = System.nanoTime();
        Thread.sleep(outage.toMillis() / 2);
        HealthProbe.Answer during = HealthProbe.get(port, "/health/ready", Duration.ofSeconds(2));
        Thread.sleep(Math.max(0, outage.toMillis() - (System.nanoTime() - down) / 1_000_000));
        findings.step("restarting the broker after outage " + k);
        long restart = System.nanoTime();
        rig.broker.restart();
        long back = System.currentTimeMillis();
        double restartSeconds = (System.nanoTime() - restart) / 1e9;
        findings.step("waiting for status events after outage " + k);
        TopicRecorder.Event flowing = rig.status.await(id, 0, e -> e.ends()
            || (e.kind() == Kind.EPOCH && e.json().path("timeMillis").asLong() >= back), RECOVERY_TIMEOUT);
        double flowSeconds = (System.currentTimeMillis() - back) / 1000.0;
        HealthProbe.Answer ready = HealthProbe.await(port, "/health/ready", 200, Duration.ofSeconds(60));
        double readySeconds = (System.currentTimeMillis() - back) / 1000.0;
        readyEveryTime &= ready.status() == 200;
        readyAfter.add(String.format(Locale.ROOT, "outage %d: %s %.1f s after the broker's return", k, ready, readySeconds));
        findings.fact("outage " + k, String.format(Locale.ROOT,
            "kill -9 broker pid %d, down %.1f s (restart %.1f s); /health/ready during it: %s; %s",
            brokerPid, (System.nanoTime() - down) / 1e9 - restartSeconds, restartSeconds, during,
            flowing == null ? "no new epoch event within " + RECOVERY_TIMEOUT.toSeconds() + " s of its return"
                : String.format(Locale.ROOT, "new epoch events %.1f s after its return", flowSeconds)));
        if (k == 1) {
          checkPauseAndResume(findings, rig, id, size.pauseWatch());
        }
      }
      findings.check("the experiment ran through every outage", "running at each of " + size.outages(),
          notRunningAtOutage.isEmpty() ? "running at each" : "ended before " + notRunningAtOutage + " (it trained faster than the calibration job)",
          notRunningAtOutage.isEmpty());
      findings.check("/health/ready 200 after each recovery", "200 within 60 s", String.join("; ", readyAfter), readyEveryTime);
      findings.step("second job after the outages");
      rig.submit(second, ChaosSpecs.tiny(second, 3));
      TopicRecorder.Event secondEnd = rig.awaitEnd(second, Duration.ofSeconds(120 + epochs * 2L));
      findings.check("a job submitted after the outages finishes", "finished", secondEnd == null ? rig.describe(second) : secondEnd.kind().toString(),
          secondEnd != null && secondEnd.kind() == Kind.FINISHED);
      findings.step("waiting for the experiment's end");
      TopicRecorder.Event end = rig.awaitEnd(id, Duration.ofSeconds(120 + epochs * 2L));
      List<TopicRecorder.Event> events = rig.settledEvents(id, Duration.ofSeconds(2));
      Map<String, Long> endings = ChaosRig.endings(events);
      List<String> lost = new ArrayList<>();
      RunChecks.missingEpochs(events, runs, epochs).forEach(m -> lost.add("epochs " + m));
      lost.addAll(RunChecks.missingRunEvents(events, runs));
      if (!endings.equals(Map.of("finished", 1L))) {
        lost.add("ending " + (end == null ? "none: " + rig.describe(id) : endings.toString()));
      }
      List<TopicRecorder.Event> secondEvents = rig.status.events(second);
      RunChecks.missingEpochs(secondEvents, List.of("mlp/s1"), 3).forEach(m -> lost.add(second + " epochs " + m));
      RunChecks.missingRunEvents(secondEvents, List.of("mlp/s1")).forEach(m -> lost.add(second + " " + m));
      findings.check("no status event lost", "epochs 1.." + epochs + ", run-started and run-finished of every run; finished ×1",
          lost.isEmpty() ? "all there; " + endings : String.join("; ", lost), lost.isEmpty());
      RunChecks.oneResultPerRun(findings, rig.results(id), runs);
      long secondRecords = rig.results(second).size();
      findings.check("one result record for the second job", "1", String.valueOf(secondRecords), secondRecords == 1);
      boolean survived = serve.isAlive() && serve.pid() == servePid && rig.serve() == serve;
      findings.check("mentor serve never died", "one process, alive at the end", serve.isAlive() ? "pid " + serve.pid() + " alive"
          : "exited with " + serve.exitStatus() + "; its log ends: " + serve.logTail(5), survived);
      rig.stopServe(findings);
    } catch (Exception e) {
      findings.aborted(e);
    }
    return findings.result();
  }

  /**
   * Runs a short job of the same runs and returns the epochs that make the experiment last 1.2
   * times the outages' timeline (outages, broker restarts, the pause), at least {@code minEpochs}.
   */
  private static int epochsToOutlast(ScenarioResult.Findings findings, ChaosRig rig, Size size, long seed) throws Exception {
    String id = "calibration-" + seed;
    rig.submit(id, ChaosSpecs.experiment(id, ChaosSpecs.CNN_AND_MLP, List.of(1L), CALIBRATION_EPOCHS, 3, size.perClass()));
    TopicRecorder.Event end = rig.awaitEnd(id, Duration.ofSeconds(180));
    if (end == null || end.kind() != Kind.FINISHED) {
      throw new IllegalStateException("the calibration job did not finish: " + rig.describe(id));
    }
    double seconds = 0;
    for (String arm : ChaosSpecs.CNN_AND_MLP.keySet()) {
      List<Long> times = rig.status.events(id).stream().filter(e -> e.kind() == Kind.EPOCH && e.json().path("arm").asText().equals(arm))
          .map(e -> e.json().path("timeMillis").asLong()).toList();
      // From the third epoch on: the first ones include the run's start (data, model, engine warm-up).
      seconds += (times.get(times.size() - 1) - times.get(2)) / 1000.0 / (times.size() - 3);
    }
    // Per outage: the outage, the broker's restart (about 6 s) and the recovery; then the pause and resume; twice that,
    // for the waits between outages and runs that train faster than the calibration job (1.2 fell short once).
    double timeline = size.outages() * (size.longest().toSeconds() + 8) + size.pauseWatch().toSeconds() + 8;
    int epochs = Math.max(size.minEpochs(), (int) Math.ceil(2.0 * timeline / Math.max(seconds, 1e-3)));
    findings.fact("calibration", String.format(Locale.ROOT, "%.3f s per epoch of all runs → %d epochs to outlast %.0f s of outages",
        seconds, epochs, timeline));
    return epochs;
  }

  /** Pause: a {@code paused} event, then at most the epoch in progress; resume: a {@code resumed} event and epochs again. */
  private static void checkPauseAndResume(ScenarioResult.Findings findings, ChaosRig rig, String id, Duration watch) throws Exception {
    findings.step("pause after the first outage");
    long from = rig.status.nextOffset();
    rig.control(id, Action.PAUSE);
    TopicRecorder.Event paused = rig.status.await(id, from, e -> e.kind() == Kind.PAUSED || e.ends(), CONTROL_TIMEOUT);
    if (paused == null || paused.kind() != Kind.PAUSED) {
      findings.check("pause obeyed", "a paused event within " + CONTROL_TIMEOUT.toSeconds() + " s, then ≤ 1 epoch event in "
          + watch.toSeconds() + " s", paused == null ? "no paused event within " + CONTROL_TIMEOUT.toSeconds() + " s (" + rig.describe(id) + ")"
          : "experiment ended: " + paused.kind(), false);
      findings.fact("resume", "not tried: the pause was not obeyed");
      return;
    }
    Thread.sleep(watch.toMillis());
    List<Integer> epochsWhilePaused = rig.status.events(id).stream().filter(e -> e.offset() > paused.offset() && e.kind() == Kind.EPOCH)
        .map(e -> e.json().path("epoch").asInt()).toList();
    // One run trains at a time (one CPU slot): the epoch it is in when the pause arrives may still end.
    findings.check("pause obeyed", "a paused event, then ≤ 1 epoch event in " + watch.toSeconds() + " s",
        "paused event; epoch events after it: " + epochsWhilePaused.size() + (epochsWhilePaused.isEmpty() ? "" : " " + epochsWhilePaused),
        epochsWhilePaused.size() <= 1);
    findings.step("resume after the pause");
    long beforeResume = rig.status.nextOffset();
    rig.control(id, Action.RESUME);
    TopicRecorder.Event resumed = rig.status.await(id, beforeResume, e -> e.kind() == Kind.RESUMED, CONTROL_TIMEOUT);
    TopicRecorder.Event training = resumed == null ? null
        : rig.status.await(id, resumed.offset(), e -> e.kind() == Kind.EPOCH || e.ends(), CONTROL_TIMEOUT);
    findings.check("resume obeyed", "a resumed event and epochs again within " + CONTROL_TIMEOUT.toSeconds() + " s",
        resumed == null ? "no resumed event" : training == null ? "resumed event, but no epoch after it" : "resumed, then " + training.kind(),
        resumed != null && training != null);
  }

  private static Path writeClientConfig(Path file) throws IOException {
    Properties props = new Properties();
    props.putAll(SHORT_TIMEOUTS);
    try (OutputStream out = Files.newOutputStream(file)) {
      props.store(out, "chaos scenario c: client timeouts shorter than the broker outages");
    }
    return file;
  }
}
