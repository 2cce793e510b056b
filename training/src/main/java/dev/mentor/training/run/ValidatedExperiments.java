package dev.mentor.training.run;

import dev.mentor.messages.spec.ExperimentSpec;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Experiments this process has already validated against their data, handed once to the next
 * runner of the same spec, base folder and output folder. {@code mentor run} validates a file
 * before it starts the broker and the service (so that a bad spec fails before anything starts);
 * the service in the same process then prepares the experiment from the validated runner instead
 * of reading and checking the data a second time. A runner is taken at most once; one never
 * taken is withdrawn by whoever offered it.
 */
public final class ValidatedExperiments {
  private record Key(ExperimentSpec spec, Path baseDir, Path experimentDir) {}

  private static final Map<Key, ExperimentRunner> OFFERED = new ConcurrentHashMap<>();

  private ValidatedExperiments() {}

  /** Offers a runner whose {@link ExperimentRunner#validate()} has passed. */
  public static void offer(ExperimentRunner validated) {
    if (!validated.isValidated()) {
      throw new IllegalArgumentException("experiment '" + validated.spec().name() + "' has not been validated");
    }
    OFFERED.put(key(validated), validated);
  }

  /** Withdraws an offer not taken (nothing happens when it was). */
  public static void withdraw(ExperimentRunner validated) {
    OFFERED.remove(key(validated), validated);
  }

  /** The validated runner offered for exactly this experiment, or a new, unvalidated one. */
  public static ExperimentRunner take(ExperimentSpec spec, Path baseDir, Path outputRoot) {
    ExperimentRunner fresh = new ExperimentRunner(spec, baseDir, outputRoot);
    ExperimentRunner offered = OFFERED.remove(key(fresh));
    return Objects.requireNonNullElse(offered, fresh);
  }

  private static Key key(ExperimentRunner runner) {
    return new Key(runner.spec(), runner.baseDir(), runner.paths().experimentDir().toAbsolutePath().normalize());
  }
}
