package dev.mentor.actors.chaos;

import dev.mentor.messages.job.StatusEvent.Kind;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * (d) Many small experiments in a row through one {@code mentor serve} process: after each one
 * ends, the process's resident memory and thread count are sampled; over the second half (past
 * the warm-up of heap, engine and class loading) their least-squares slopes per experiment must
 * stay under bounds, and no experiment may fail. A slope is what a leak per experiment looks like.
 * The actor system's pools start their threads as work first needs them, up to bounds their
 * configuration sets, so they are held to that bound instead of a slope (a pool that added its
 * eleventh thread at the 46th experiment read as a leak).
 */
public final class SoakScenario {
  /**
   * How many experiments, their epochs, and the largest slopes allowed over the second half:
   * resident memory in MiB per experiment, threads per experiment.
   */
  public record Size(int experiments, int epochs, double rssSlopeMiB, double threadSlope) {
    /**
     * Sixty experiments (a fraction of a second each); the thread slope leaves out the actor
     * system's pools, held to their configured bound instead (they start threads as work first
     * needs them, and one more now and then in the second half read as a leak). The memory bound
     * is looser than the full one (the points include the heap's growth); the thread bound is the same.
     */
    public static Size ci() {
      return new Size(60, 2, 4, 0.05);
    }

    public static Size full() {
      return new Size(100, 2, 1, 0.05);
    }
  }

  private static final Duration EXPERIMENT_TIMEOUT = Duration.ofSeconds(180);

  /** The actor system's pools' threads ("mentor-pekko.actor...": the kernel keeps 15 characters of a thread's name). */
  static final String ACTOR_POOLS = "mentor-pekko.ac";

  /**
   * The most threads the actor system's pools start, from Pekko's defaults and application.conf:
   * the default dispatcher's fork-join pool (parallelism: the cores, at least 8, at most 64), the
   * internal one's (at least 4), the blocking dispatcher's fixed 4, and 4 for a fork-join pool's
   * compensating threads. Each pool starts threads as work first needs them, so one may appear
   * late in a run without being a leak; bounded pools cannot leak, a count over this bound does.
   */
  static int actorPoolBound(int cores) {
    return Math.max(8, Math.min(64, cores)) + Math.max(4, Math.min(64, cores)) + 4 + 4;
  }

  private SoakScenario() {}

  public static ScenarioResult run(Path work, Size size, long seed) {
    ScenarioResult.Findings findings = new ScenarioResult.Findings("d: soak, " + size.experiments() + " experiments through one process");
    findings.fact("experiments", size.experiments() + " in a row, each 1 run × " + size.epochs() + " epochs (perceptron, synthetic data)");
    List<double[]> samples = new ArrayList<>();
    List<String> notFinished = new ArrayList<>();
    try (ChaosRig rig = ChaosRig.start(work, findings)) {
      findings.step("starting mentor serve");
      ServeProcess serve = rig.startServe(null, 1);
      findings.fact("after start", String.format(Locale.ROOT, "RSS %.0f MiB, %d threads", serve.residentBytes() / 1048576.0, serve.threads()));
      findings.detail("| experiment | seconds | ended | RSS MiB | threads |");
      findings.detail("|---|---|---|---|---|");
      Map<String, Integer> threadsAtHalf = Map.of();
      for (int i = 1; i <= size.experiments(); i++) {
        findings.step("experiment " + i + " of " + size.experiments());
        String id = "soak-" + seed + "-" + i;
        long start = System.nanoTime();
        rig.submit(id, ChaosSpecs.tiny(id, size.epochs()));
        TopicRecorder.Event end = rig.awaitEnd(id, EXPERIMENT_TIMEOUT);
        if (!serve.isAlive()) {
          throw new IllegalStateException("mentor serve exited with status " + serve.exitStatus() + " during experiment " + i + "; its log ends:\n"
              + serve.logTail(20));
        }
        String ended = end == null ? "no end within " + EXPERIMENT_TIMEOUT.toSeconds() + " s" : end.kind().toString();
        if (end == null || end.kind() != Kind.FINISHED) {
          notFinished.add(id + ": " + rig.describe(id));
        }
        double rssMiB = serve.residentBytes() / 1048576.0;
        Map<String, Integer> names = serve.threadNames();
        long threads = names.values().stream().mapToInt(Integer::intValue).sum();
        int pools = names.getOrDefault(ACTOR_POOLS, 0);
        samples.add(new double[] {i, rssMiB, threads - pools, pools});
        if (i == size.experiments() / 2 + 1) {
          threadsAtHalf = serve.threadNames();
        }
        findings.detail(String.format(Locale.ROOT, "| %d | %.1f | %s | %.1f | %d |", i, (System.nanoTime() - start) / 1e9, ended, rssMiB, threads));
        if (end == null) {
          break;
        }
      }
      List<double[]> secondHalf = samples.subList(samples.size() / 2, samples.size());
      double rssSlope = slope(secondHalf, 1);
      double threadSlope = slope(secondHalf, 2);
      int poolBound = actorPoolBound(Runtime.getRuntime().availableProcessors());
      int mostPoolThreads = (int) samples.stream().mapToDouble(p -> p[3]).max().orElse(0);
      findings.fact("second half", "experiments " + (int) secondHalf.get(0)[0] + " to " + (int) secondHalf.get(secondHalf.size() - 1)[0]);
      findings.check("every experiment finished", size.experiments() + " of " + size.experiments(),
          (samples.size() - notFinished.size()) + " of " + size.experiments() + (notFinished.isEmpty() ? "" : "; not: " + notFinished),
          notFinished.isEmpty() && samples.size() == size.experiments());
      findings.check("RSS slope over the second half", String.format(Locale.ROOT, "< %.2f MiB/experiment", size.rssSlopeMiB()),
          String.format(Locale.ROOT, "%.3f MiB/experiment", rssSlope), rssSlope < size.rssSlopeMiB());
      findings.check("thread-count slope over the second half, outside the actor system's bounded pools",
          String.format(Locale.ROOT, "< %.2f threads/experiment", size.threadSlope()),
          String.format(Locale.ROOT, "%.3f threads/experiment", threadSlope), threadSlope < size.threadSlope());
      findings.check("the actor system's pool threads, at every experiment", "<= " + poolBound + " (their configured bound)",
          String.valueOf(mostPoolThreads), mostPoolThreads <= poolBound);
      findings.fact("thread names that grew over the second half", grown(threadsAtHalf, serve.threadNames()));
      findings.check("mentor serve alive", "alive", serve.isAlive() ? "alive" : "exited with " + serve.exitStatus(), serve.isAlive());
    } catch (Exception e) {
      findings.aborted(e);
    }
    return findings.result();
  }

  /** "name: before → after" for each thread name with more threads now than before. */
  private static String grown(Map<String, Integer> before, Map<String, Integer> now) {
    String grown = now.entrySet().stream().filter(e -> e.getValue() > before.getOrDefault(e.getKey(), 0))
        .map(e -> e.getKey() + ": " + before.getOrDefault(e.getKey(), 0) + " → " + e.getValue()).collect(Collectors.joining(", "));
    return grown.isEmpty() ? "none" : grown;
  }

  /** The least-squares slope of column {@code y} against column 0; 0 for fewer than two points. */
  static double slope(List<double[]> points, int y) {
    int n = points.size();
    if (n < 2) {
      return 0;
    }
    double meanX = points.stream().mapToDouble(p -> p[0]).average().orElseThrow();
    double meanY = points.stream().mapToDouble(p -> p[y]).average().orElseThrow();
    double sxy = 0;
    double sxx = 0;
    for (double[] p : points) {
      sxy += (p[0] - meanX) * (p[y] - meanY);
      sxx += (p[0] - meanX) * (p[0] - meanX);
    }
    return sxy / sxx;
  }
}
