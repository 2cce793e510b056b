package dev.mentor.actors.chaos;

import dev.mentor.messages.job.StatusEvent.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * (b) {@code mentor serve} killed with {@code kill -9} N times at random points of a multi-run
 * experiment (after a random count of epochs reported, spread over all its runs, then a random
 * delay into the next epoch; both seeded), and
 * started again each time on the same state and runs: the experiment ends exactly once, each run
 * has exactly one record on the results topic (and distinct record ids, where records carry
 * them), a kill repeats at most one epoch of each run, and every run reaches its last epoch.
 */
public final class ServeKillScenario {
  /**
   * How many kills, the experiment's epochs per run, its seeds (each arm runs at each), training
   * samples per class, and the longest random delay from the chosen epoch to the kill.
   */
  public record Size(int kills, int epochs, List<Long> seeds, int perClass, Duration maxKillDelay) {
    public static Size ci() {
      return new Size(3, 20, List.of(1L, 2L), 80, Duration.ofSeconds(1));
    }

    public static Size full() {
      return new Size(20, 100, List.of(1L, 2L), 150, Duration.ofSeconds(2));
    }
  }

  private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(180);
  private static final Duration END_TIMEOUT = Duration.ofSeconds(600);

  private ServeKillScenario() {}

  public static ScenarioResult run(Path work, Size size, long seed) {
    ScenarioResult.Findings findings = new ScenarioResult.Findings("b: kill -9 of mentor serve, " + size.kills() + " times");
    SplittableRandom random = new SplittableRandom(seed);
    String id = "killed-" + seed;
    List<String> runs = new ArrayList<>();
    ChaosSpecs.CNN_AND_MLP.keySet().stream().sorted().forEach(arm -> size.seeds().forEach(s -> runs.add(arm + "/s" + s)));
    findings.fact("experiment", id + ": " + runs.size() + " runs (" + String.join(", ", runs) + ") × " + size.epochs() + " epochs, 1 CPU slot");
    List<Long> boundaries = new ArrayList<>();
    try (ChaosRig rig = ChaosRig.start(work, findings)) {
      findings.step("starting mentor serve");
      ServeProcess serve = rig.startServe(null, 1);
      rig.submit(id, ChaosSpecs.experiment(id, ChaosSpecs.CNN_AND_MLP, size.seeds(), size.epochs(), 3, size.perClass()));
      // The kills fall in the first 80 % of the epochs, leaving time for the graceful stop after them.
      List<Integer> targets = killPoints(random, runs.size() * size.epochs() * 4 / 5, size.kills());
      int reportedAtLastKill = 0;
      for (int k = 1; k <= size.kills(); k++) {
        findings.step("waiting for progress before kill " + k);
        // A restarted process must report a new epoch before it is killed again.
        int target = Math.max(targets.get(k - 1), reportedAtLastKill + 1);
        TopicRecorder.Event progress = rig.status.await(id, 0,
            e -> e.ends() || epochsReported(rig.status.events(id)) >= target, PROGRESS_TIMEOUT);
        if (progress == null) {
          throw new IllegalStateException("fewer than " + target + " epochs reported within " + PROGRESS_TIMEOUT.toSeconds() + " s after "
              + (k == 1 ? "the start" : "restart " + (k - 1)) + " (serve " + (serve.isAlive() ? "alive" : "exited with " + serve.exitStatus())
              + "); its log ends:\n" + serve.logTail(20));
        }
        TopicRecorder.Event reached = lastEpoch(rig.status.events(id).stream().filter(e -> e.offset() <= progress.offset()).toList());
        long delay = random.nextLong(size.maxKillDelay().toMillis() + 1);
        Thread.sleep(delay);
        if (progress.ends() || rig.awaitEnd(id, Duration.ZERO) != null) {
          findings.fact("kill " + k, "not injected: the experiment had ended");
          break;
        }
        findings.step("kill " + k);
        serve.kill();
        findings.step("reading the status topic's end after kill " + k);
        long boundary = awaitEndOffset(rig.status);
        boundaries.add(boundary);
        List<TopicRecorder.Event> beforeKill = rig.status.events(id);
        reportedAtLastKill = epochsReported(beforeKill);
        TopicRecorder.Event last = lastEpoch(beforeKill);
        findings.fact("kill " + k, "kill -9 pid " + serve.pid() + " " + delay + " ms after epoch " + target + " of all reported ("
            + describe(reached) + "); last epoch event before the kill: " + describe(last));
        findings.step("restart " + k);
        serve = rig.startServe(null, 1);
      }
      // The graceful stop a deployment does: SIGTERM mid-epoch; the epoch in progress finishes, so the next process repeats none.
      long termBoundary = -1;
      findings.step("waiting for progress before SIGTERM");
      int termTarget = reportedAtLastKill + 2;
      TopicRecorder.Event termProgress = rig.status.await(id, 0,
          e -> e.ends() || epochsReported(rig.status.events(id)) >= termTarget, PROGRESS_TIMEOUT);
      Thread.sleep(random.nextLong(size.maxKillDelay().toMillis() + 1));
      if (termProgress == null || termProgress.ends() || rig.awaitEnd(id, Duration.ZERO) != null) {
        findings.fact("SIGTERM mid-experiment", "not sent: the experiment had ended or made no progress");
      } else {
        findings.step("SIGTERM");
        double seconds = serve.terminate(GRACEFUL_STOP);
        boolean stoppedCleanly = seconds >= 0 && serve.logTail(5).contains("mentor: stopped");
        findings.check("SIGTERM stops mentor serve after the epoch in progress", "exits within " + GRACEFUL_STOP.toSeconds() + " s, says stopped",
            seconds < 0 ? "killed after " + GRACEFUL_STOP.toSeconds() + " s" : String.format(Locale.ROOT, "%.1f s%s", seconds,
                stoppedCleanly ? ", stopped" : "; log ends: " + serve.logTail(3)), stoppedCleanly);
        termBoundary = awaitEndOffset(rig.status);
        findings.step("restart after SIGTERM");
        serve = rig.startServe(null, 1);
      }
      findings.fact("kills injected", boundaries.size() + " of " + size.kills());
      findings.check("kills injected as planned", String.valueOf(size.kills()), String.valueOf(boundaries.size()), boundaries.size() == size.kills());
      findings.step("waiting for the experiment's end");
      TopicRecorder.Event end = rig.awaitEnd(id, END_TIMEOUT);
      List<TopicRecorder.Event> events = rig.settledEvents(id, Duration.ofSeconds(3));
      Map<String, Long> endings = ChaosRig.endings(events);
      findings.check("the experiment ends exactly once", "finished ×1", end == null ? "no end within " + END_TIMEOUT.toSeconds() + " s; "
          + rig.describe(id) : endings.toString(), endings.equals(Map.of("finished", 1L)));
      RunChecks.oneResultPerRun(findings, rig.results(id), runs);
      List<Long> lives = new ArrayList<>(boundaries);
      if (termBoundary >= 0) {
        lives.add(termBoundary);
        checkNoRepeatAfter(findings, events, runs, termBoundary);
      }
      checkEpochs(findings, events, runs, lives, size.epochs());
      rig.stopServe(findings);
    } catch (Exception e) {
      findings.aborted(e);
    }
    return findings.result();
  }

  /** How long a SIGTERM'd service may take: an epoch of these runs is well under a second. */
  private static final Duration GRACEFUL_STOP = Duration.ofSeconds(60);

  /** After a graceful stop at {@code boundary}, no run repeats an epoch it reported before it. */
  private static void checkNoRepeatAfter(ScenarioResult.Findings findings, List<TopicRecorder.Event> events, List<String> runs, long boundary) {
    List<String> repeated = new ArrayList<>();
    for (String run : runs) {
      Set<Integer> before = events.stream().filter(e -> e.kind() == Kind.EPOCH && e.run().equals(run) && e.offset() < boundary)
          .map(e -> e.json().path("epoch").asInt()).collect(Collectors.toSet());
      events.stream().filter(e -> e.kind() == Kind.EPOCH && e.run().equals(run) && e.offset() >= boundary)
          .map(e -> e.json().path("epoch").asInt()).filter(before::contains).forEach(e -> repeated.add(run + " epoch " + e));
    }
    findings.check("no epoch repeated after the graceful stop", "none", repeated.isEmpty() ? "none" : repeated.toString(), repeated.isEmpty());
  }

  /**
   * Where the kills fall: {@code kills} distinct counts of epochs reported, spread at random over
   * the experiment's {@code totalEpochs} (all runs), in increasing order, so that each kill comes
   * after the restarted process made progress and kills also hit later runs.
   */
  static List<Integer> killPoints(SplittableRandom random, int totalEpochs, int kills) {
    TreeSet<Integer> points = new TreeSet<>();
    int span = Math.max(kills, totalEpochs - 2);
    while (points.size() < Math.min(kills, span)) {
      points.add(1 + random.nextInt(span));
    }
    return List.copyOf(points);
  }

  private static String describe(TopicRecorder.Event epoch) {
    return epoch == null ? "none" : epoch.run() + " epoch " + epoch.json().path("epoch").asText();
  }

  /** Distinct (run, epoch) pairs reported so far. */
  private static int epochsReported(List<TopicRecorder.Event> events) {
    return (int) events.stream().filter(e -> e.kind() == Kind.EPOCH).map(e -> e.run() + "#" + e.json().path("epoch").asInt()).distinct().count();
  }

  /** The status topic's end once the broker tells it: every event of the killed process is before it. */
  private static long awaitEndOffset(TopicRecorder status) throws InterruptedException {
    for (int attempt = 0; attempt < 12; attempt++) {
      long end = status.endOffset();
      if (end >= 0) {
        status.awaitCaughtUp(Duration.ofSeconds(30));
        return end;
      }
    }
    throw new IllegalStateException("the broker did not tell the status topic's end within 60 s");
  }

  private static TopicRecorder.Event lastEpoch(List<TopicRecorder.Event> events) {
    TopicRecorder.Event last = null;
    for (TopicRecorder.Event e : events) {
      if (e.kind() == Kind.EPOCH) {
        last = e;
      }
    }
    return last;
  }

  /**
   * Per kill and run, the epoch events after the kill whose epoch the run had reported before it
   * (at most one: the epoch in progress); repeats within one process's life; last epochs; gaps.
   */
  private static void checkEpochs(ScenarioResult.Findings findings, List<TopicRecorder.Event> events, List<String> runs, List<Long> boundaries,
      int epochs) {
    Map<String, List<TopicRecorder.Event>> epochEvents = new HashMap<>();
    events.stream().filter(e -> e.kind() == Kind.EPOCH).forEach(e -> epochEvents.computeIfAbsent(e.run(), r -> new ArrayList<>()).add(e));
    List<String> overOne = new ArrayList<>();
    List<String> withinLife = new ArrayList<>();
    int worst = 0;
    StringBuilder perKill = new StringBuilder();
    for (int k = 0; k < boundaries.size(); k++) {
      long boundary = boundaries.get(k);
      long next = k + 1 < boundaries.size() ? boundaries.get(k + 1) : Long.MAX_VALUE;
      int killTotal = 0;
      for (String run : runs) {
        List<TopicRecorder.Event> list = epochEvents.getOrDefault(run, List.of());
        Set<Integer> before = list.stream().filter(e -> e.offset() < boundary).map(e -> e.json().path("epoch").asInt()).collect(Collectors.toSet());
        List<Integer> repeated = list.stream().filter(e -> e.offset() >= boundary && e.offset() < next).map(e -> e.json().path("epoch").asInt())
            .filter(before::contains).toList();
        killTotal += repeated.size();
        worst = Math.max(worst, repeated.size());
        if (repeated.size() > 1) {
          overOne.add("kill " + (k + 1) + " " + run + " repeated epochs " + repeated);
        }
      }
      perKill.append(k == 0 ? "" : ", ").append("kill ").append(k + 1).append(": ").append(killTotal);
    }
    List<Long> lives = new ArrayList<>(boundaries);
    lives.add(0, 0L);
    lives.add(Long.MAX_VALUE);
    for (String run : runs) {
      List<TopicRecorder.Event> list = epochEvents.getOrDefault(run, List.of());
      for (int life = 0; life + 1 < lives.size(); life++) {
        long from = lives.get(life);
        long to = lives.get(life + 1);
        List<Integer> inLife = list.stream().filter(e -> e.offset() >= from && e.offset() < to).map(e -> e.json().path("epoch").asInt()).toList();
        if (new HashSet<>(inLife).size() != inLife.size()) {
          withinLife.add(run + " in process " + (life + 1) + ": " + inLife);
        }
      }
    }
    findings.fact("epochs repeated after each kill (all runs)", perKill.length() == 0 ? "no kill" : perKill.toString());
    findings.check("epochs repeated across a kill, per run", "≤ 1 per kill", "most " + worst + (overOne.isEmpty() ? "" : "; " + overOne),
        overOne.isEmpty());
    findings.check("no epoch repeated within one process's life", "none", withinLife.isEmpty() ? "none" : withinLife.toString(),
        withinLife.isEmpty());
    Map<String, Integer> last = RunChecks.lastEpochs(events, runs);
    List<String> gaps = RunChecks.missingEpochs(events, runs, epochs);
    findings.check("every run reaches its last epoch", "epoch " + epochs + " for each run", last.toString(),
        last.values().stream().allMatch(e -> e == epochs));
    findings.fact("epoch events never published (info)", gaps.isEmpty() ? "none" : String.join("; ", gaps));
  }
}
