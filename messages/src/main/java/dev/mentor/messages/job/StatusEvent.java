package dev.mentor.messages.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.mentor.messages.record.EpochMetrics;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What happens to a job, published on the status topic keyed by experiment id, in order:
 * {@link Queued} (accepted), {@link Started}, per run {@link RunScheduled}, {@link RunStarted},
 * {@link EpochEnded} (with the epoch's metrics), {@link RunNote} at the epoch a run stops early or
 * overfits, and {@link RunFinished}, then {@link ExperimentEnded} ({@code finished},
 * {@code failed} or {@code cancelled}, with its reasons); {@link Retrying} when a run that failed
 * is started again from its checkpoint, {@link RunFailed} when it is given up; {@link Paused} and
 * {@link Resumed} on request; {@link Duplicate} when an id already accepted is submitted again.
 *
 * <p>On the wire each event is one flat JSON object with its {@code kind}, {@code experimentId},
 * {@code schemaVersion}, {@code timeMillis}, its own fields and a human {@code message} (what a
 * {@code kcat} reader sees). Version 1 records, which had only the message besides arm, seed,
 * epoch and metrics, still read: the fields they lack are null. {@code failed} names a run's
 * failure when the record has an arm and the experiment's otherwise, as in version 1.
 */
@JsonDeserialize(using = StatusEventReader.class)
public sealed interface StatusEvent {
  /** 2: events carry typed fields beside the message (version 1 had the message only). */
  int SCHEMA_VERSION = 2;
  /** The versions this reader understands. */
  List<Integer> READABLE_VERSIONS = List.of(1, 2);

  int schemaVersion();

  String experimentId();

  Kind kind();

  /** What happened in words, for people (null for an epoch: its metrics say it). */
  String message();

  long timeMillis();

  /** The run an event is about, or empty for an experiment's event. */
  default Optional<RunId> run() {
    return Optional.empty();
  }

  /** A run of an experiment: an arm (or an ensemble member, {@code arm/member-m}) and a seed. */
  record RunId(String arm, long seed) {
    @Override
    public String toString() {
      return arm + " seed " + seed;
    }
  }

  /** The event kinds, as named on the wire. */
  enum Kind {
    QUEUED("queued"), STARTED("started"), RUN_SCHEDULED("run-scheduled"), RUN_STARTED("run-started"), EPOCH("epoch"),
    EARLY_STOPPING("early-stopping"), OVERFITTING("overfitting"), RUN_FINISHED("run-finished"), RETRYING("retrying"), PAUSED("paused"),
    RESUMED("resumed"), FINISHED("finished"), FAILED("failed"), CANCELLED("cancelled"), DUPLICATE("duplicate");

    private final String wireName;

    Kind(String wireName) {
      this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
      return wireName;
    }

    @JsonCreator
    public static Kind of(String wireName) {
      return Arrays.stream(values()).filter(k -> k.wireName.equals(wireName)).findFirst().orElseThrow(() -> new IllegalArgumentException(
          "kind must be one of " + Arrays.stream(values()).map(Kind::wireName).toList() + ", got " + wireName));
    }

    /** The kinds that end an experiment (a run's {@code failed} has this kind too). */
    public boolean ends() {
      return this == FINISHED || this == FAILED || this == CANCELLED;
    }

    /** Whether this is the kind of a {@link RunNote}: a run's training event a monitor counts as it happens. */
    public boolean isRunNote() {
      return this == EARLY_STOPPING || this == OVERFITTING;
    }

    /**
     * The kind a run's training event is published as, if it is one a monitor counts as it
     * happens (early stopping, overfitting); empty for notes that stay in the run's record.
     */
    public static Optional<Kind> ofRunNote(String runEventKind) {
      return Arrays.stream(values()).filter(k -> k.isRunNote() && k.wireName.equals(runEventKind)).findFirst();
    }

    @Override
    public String toString() {
      return wireName;
    }
  }

  /** What a run is in its experiment, as named on the wire and in meters' {@code role} tag. */
  enum Role {
    TRAINER("trainer"), TEACHER("teacher"), STUDENT("student"), ENSEMBLE("ensemble"), ENSEMBLE_MEMBER("ensemble-member");

    private final String wireName;

    Role(String wireName) {
      this.wireName = wireName;
    }

    @JsonValue
    public String wireName() {
      return wireName;
    }

    @JsonCreator
    public static Role of(String wireName) {
      return Arrays.stream(values()).filter(r -> r.wireName.equals(wireName)).findFirst().orElseThrow(() -> new IllegalArgumentException(
          "role must be one of " + Arrays.stream(values()).map(Role::wireName).toList() + ", got " + wireName));
    }

    @Override
    public String toString() {
      return wireName;
    }
  }

  /** The job was accepted ({@code resumed}: taken up again after a restart of the service). */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record Queued(int schemaVersion, String experimentId, Boolean resumed, String message, long timeMillis) implements StatusEvent {
    public static Queued of(String experimentId, boolean resumed) {
      return new Queued(SCHEMA_VERSION, experimentId, resumed, resumed ? "resumed after a restart of the service" : "accepted", now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.QUEUED;
    }
  }

  /** The experiment's runs are being prepared: {@code arms} arms times {@code seeds} seeds. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record Started(int schemaVersion, String experimentId, Integer arms, Integer seeds, String message, long timeMillis) implements StatusEvent {
    public static Started of(String experimentId, int arms, int seeds) {
      return new Started(SCHEMA_VERSION, experimentId, arms, seeds, arms + " arms x " + seeds + " seeds", now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.STARTED;
    }
  }

  /** An id already accepted was submitted again ({@code running}: that experiment still runs); not run again. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record Duplicate(int schemaVersion, String experimentId, Boolean running, String message, long timeMillis) implements StatusEvent {
    public static Duplicate of(String experimentId, boolean running) {
      return new Duplicate(SCHEMA_VERSION, experimentId, running,
          running ? "experiment '" + experimentId + "' is already running" : "an experiment with this id was accepted before; not run again", now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.DUPLICATE;
    }
  }

  /** The experiment was paused: its {@code runs} running runs hold at the end of their epoch, no new run starts. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record Paused(int schemaVersion, String experimentId, Integer runs, String message, long timeMillis) implements StatusEvent {
    public static Paused of(String experimentId, int runs) {
      return new Paused(SCHEMA_VERSION, experimentId, runs, runs + " runs held at the end of their epoch; no new run starts", now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.PAUSED;
    }
  }

  /** The experiment goes on after a pause, with its {@code runs} held runs. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record Resumed(int schemaVersion, String experimentId, Integer runs, String message, long timeMillis) implements StatusEvent {
    public static Resumed of(String experimentId, int runs) {
      return new Resumed(SCHEMA_VERSION, experimentId, runs, runs + " runs go on", now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.RESUMED;
    }
  }

  /**
   * A run was given a device slot: its {@code role}, the {@code device} ({@code cpu},
   * {@code gpu0}...) and {@code slot} ({@code cpu#0}), the kernel threads it shares on a CPU
   * (null on a GPU) and the softmax temperature it distils at (null for none).
   */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record RunScheduled(int schemaVersion, String experimentId, String arm, Long seed, Role role, String device, String slot, Integer kernelThreads,
      Double temperature, String message, long timeMillis) implements StatusEvent {
    public static RunScheduled of(String experimentId, String arm, long seed, Role role, String device, String slot, Integer kernelThreads,
        Double temperature) {
      return new RunScheduled(SCHEMA_VERSION, experimentId, arm, seed, role, device, slot, kernelThreads, temperature,
          role + " on " + slot + (kernelThreads == null ? "" : " (" + kernelThreads + " kernel threads)"), now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.RUN_SCHEDULED;
    }

    @Override
    public Optional<RunId> run() {
      return runId(arm, seed);
    }
  }

  /** A run began training: {@code epochsPlanned} epochs, {@code resumed} from its checkpoint or not. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record RunStarted(int schemaVersion, String experimentId, String arm, Long seed, Integer epochsPlanned, Boolean resumed, String message,
      long timeMillis) implements StatusEvent {
    public static RunStarted of(String experimentId, String arm, long seed, int epochsPlanned, boolean resumed) {
      return new RunStarted(SCHEMA_VERSION, experimentId, arm, seed, epochsPlanned, resumed,
          epochsPlanned + " epochs planned" + (resumed ? ", resumed from its checkpoint" : ""), now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.RUN_STARTED;
    }

    @Override
    public Optional<RunId> run() {
      return runId(arm, seed);
    }
  }

  /** A run's epoch ended: its learning-curve row, loss terms included. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record EpochEnded(int schemaVersion, String experimentId, String arm, Long seed, Integer epoch, EpochMetrics metrics, String message,
      long timeMillis) implements StatusEvent {
    public static EpochEnded of(String experimentId, String arm, long seed, EpochMetrics metrics) {
      return new EpochEnded(SCHEMA_VERSION, experimentId, arm, seed, metrics.epoch(), metrics, null, now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.EPOCH;
    }

    @Override
    public Optional<RunId> run() {
      return runId(arm, seed);
    }
  }

  /** A run stopped early or overfits ({@code kind}), detected at {@code epoch}; what happened in the message. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record RunNote(int schemaVersion, String experimentId, Kind kind, String arm, Long seed, Integer epoch, String message, long timeMillis)
      implements StatusEvent {
    public RunNote {
      if (kind == null || !kind.isRunNote()) {
        throw new IllegalArgumentException("a run note's kind must be early-stopping or overfitting, got " + kind);
      }
    }

    public static RunNote of(String experimentId, Kind kind, String arm, long seed, int epoch, String message) {
      return new RunNote(SCHEMA_VERSION, experimentId, kind, arm, seed, epoch, message, now());
    }

    @Override
    public Optional<RunId> run() {
      return runId(arm, seed);
    }
  }

  /** A run finished after {@code epoch} epochs with this test accuracy ({@code fromCache}: it had finished before). */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record RunFinished(int schemaVersion, String experimentId, String arm, Long seed, Integer epoch, Double testAccuracy, Boolean fromCache,
      String message, long timeMillis) implements StatusEvent {
    public static RunFinished of(String experimentId, String arm, long seed, int epochsRun, double testAccuracy, boolean fromCache) {
      return new RunFinished(SCHEMA_VERSION, experimentId, arm, seed, epochsRun, testAccuracy, fromCache,
          String.format(Locale.ROOT, "test accuracy %.4f%s", testAccuracy, fromCache ? " (finished earlier)" : ""), now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.RUN_FINISHED;
    }

    @Override
    public Optional<RunId> run() {
      return runId(arm, seed);
    }
  }

  /** A failed run starts again from its last checkpoint: attempt {@code attempt} of {@code attempts}, after {@code backoffMillis}, because of {@code cause}. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record Retrying(int schemaVersion, String experimentId, String arm, Long seed, Integer attempt, Integer attempts, Long backoffMillis, String cause,
      String message, long timeMillis) implements StatusEvent {
    public static Retrying of(String experimentId, String arm, long seed, int attempt, int attempts, long backoffMillis, String cause) {
      return new Retrying(SCHEMA_VERSION, experimentId, arm, seed, attempt, attempts, backoffMillis, cause,
          "attempt " + attempt + " of " + attempts + " in " + backoffMillis + " ms, from the last checkpoint, after: " + cause, now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.RETRYING;
    }

    @Override
    public Optional<RunId> run() {
      return runId(arm, seed);
    }
  }

  /** A run failed for good, or was not run because a run it needs failed; the reason is the message. On the wire its kind is {@code failed}. */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record RunFailed(int schemaVersion, String experimentId, String arm, Long seed, String message, long timeMillis) implements StatusEvent {
    public static RunFailed of(String experimentId, String arm, long seed, String reason) {
      return new RunFailed(SCHEMA_VERSION, experimentId, arm, seed, reason, now());
    }

    @Override
    @JsonProperty("kind")
    public Kind kind() {
      return Kind.FAILED;
    }

    @Override
    public Optional<RunId> run() {
      return runId(arm, seed);
    }
  }

  /**
   * The experiment ended: {@code kind} (its state) is {@code finished}, {@code failed} or
   * {@code cancelled}; {@code reasons} are its failed runs' reasons, the first ones (empty when none
   * or in version 1); the message sums it up.
   */
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record ExperimentEnded(int schemaVersion, String experimentId, Kind kind, List<String> reasons, String message, long timeMillis)
      implements StatusEvent {
    public ExperimentEnded {
      if (!kind.ends()) {
        throw new IllegalArgumentException("an experiment ends finished, failed or cancelled, got " + kind);
      }
      reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    public static ExperimentEnded of(String experimentId, Kind kind, List<String> reasons, String message) {
      return new ExperimentEnded(SCHEMA_VERSION, experimentId, kind, reasons, message, now());
    }
  }

  private static Optional<RunId> runId(String arm, Long seed) {
    return arm == null || seed == null ? Optional.empty() : Optional.of(new RunId(arm, seed));
  }

  private static long now() {
    return System.currentTimeMillis();
  }
}
