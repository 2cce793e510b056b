package dev.mentor.actors.kafka;

import dev.mentor.messages.job.JobCodec;
import dev.mentor.messages.job.JobRejection;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.LoopHealth;
import dev.mentor.training.files.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Takes experiments from the jobs topic, one record at a time, on a thread of its own. A valid
 * spec is accepted durably — its resolved spec written to {@code <state>/jobs/<id>.json} — before
 * the record's offset is committed, so a crash never loses a submission; a job id already
 * accepted is reported as a duplicate and not run again (the same record delivered twice, after
 * a commit that failed, is recognised by its partition and offset and skipped quietly). An
 * invalid or malformed payload goes to the rejected-jobs topic with the field, the reason and the
 * payload — bounded to {@link #MAX_REJECTION_BYTES}, a longer payload truncated with its length
 * and digest — acknowledged by the broker before the offset is committed; every record on this
 * topic carries the header {@value #RECORD_ID_HEADER} naming the job record it answers.
 *
 * <p>Nothing poisons the intake: a record that cannot be handled is moved past, and the loop
 * outlives broker outages (every Kafka call is retried with backoff until it succeeds or the
 * intake is closed; {@link Retries}). Its {@link LoopHealth.Loop} tells readiness when it is
 * dead or stuck.
 */
public final class JobIntake implements AutoCloseable {
  /** What the intake found; called on the intake's thread. */
  public interface Listener {
    void accepted(JobCodec.Job job);

    void rejected(JobRejection rejection);

    void duplicate(String experimentId);
  }

  public static final String GROUP = "mentor-service";

  /** The largest rejection record published: far below any broker's record limit (1 MB by default). */
  public static final int MAX_REJECTION_BYTES = 64 * 1024;

  /** Header naming the record a rejection answers ({@code <topic>-<partition>-<offset>}), so a consumer can drop a repeat. */
  public static final String RECORD_ID_HEADER = "mentor-record-id";

  static final String THREAD = "mentor-job-intake";

  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final Consumer<String, byte[]> consumer;
  private final Producer<String, String> producer;
  private final Path jobsDir;
  private final Listener listener;
  private final Thread thread;
  private final LoopHealth health;
  private final LoopHealth.Loop loop;
  private volatile boolean running = true;
  private volatile Set<Integer> assigned = Set.of();

  private JobIntake(Map<String, Object> clientProperties, Path stateDir, Listener listener, LoopHealth health) {
    KafkaClients clients = new KafkaClients(clientProperties);
    this.consumer = clients.with(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, GROUP,
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10)).consumer(new StringDeserializer(), new ByteArrayDeserializer());
    // The intake's thread waits for each rejection's acknowledgement, retrying: short bounds keep it beating.
    KafkaClients producerClients = clients.withDefaults(Map.of(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000));
    int requestTimeout = Integer.parseInt(String.valueOf(producerClients.config().get(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)).trim());
    this.producer = producerClients.with(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) CALL_TIMEOUT.toMillis(),
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(15_000, requestTimeout + 5_000))).producer(new StringSerializer(), new StringSerializer());
    this.jobsDir = jobsDir(stateDir);
    this.listener = listener;
    this.health = health;
    this.loop = health.register(THREAD, JsonTopicListener.STUCK_AFTER);
    this.thread = new Thread(this::run, THREAD);
  }

  /** Starts consuming; {@code clientProperties} holds at least {@code bootstrap.servers} (plus any security settings). */
  public static JobIntake start(Map<String, Object> clientProperties, Path stateDir, Listener listener) {
    return start(clientProperties, stateDir, listener, new LoopHealth());
  }

  /** As above, reporting the intake loop's health to {@code health}. */
  public static JobIntake start(Map<String, Object> clientProperties, Path stateDir, Listener listener, LoopHealth health) {
    JobIntake intake = new JobIntake(clientProperties, stateDir, listener, health);
    intake.thread.start();
    return intake;
  }

  /** Where accepted jobs are kept under a service's state folder. */
  public static Path jobsDir(Path stateDir) {
    return stateDir.resolve("jobs");
  }

  /** Where an accepted job's resolved spec is kept. */
  public static Path jobFile(Path stateDir, String experimentId) {
    return jobsDir(stateDir).resolve(experimentId + ".json");
  }

  private void run() {
    try {
      consumer.subscribe(List.of(Topics.JOBS), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          assigned = Set.of();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
          assigned = consumer.assignment().stream().map(TopicPartition::partition).collect(Collectors.toUnmodifiableSet());
        }
      });
      int failures = 0;
      while (running) {
        try {
          for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
            handle(record);
            commit(record);
            if (!running) {
              break;
            }
          }
          loop.beat();
          failures = 0;
        } catch (WakeupException | InterruptException e) {
          if (running) {
            loop.retrying(e);
          }
        } catch (RuntimeException e) {
          if (Retries.fatal(e)) {
            throw e;
          }
          failures = retried(e, failures);
        }
      }
      health.unregister(loop);
    } catch (Throwable e) {
      loop.died(e);
      System.err.println("mentor: the job intake stopped for good: " + Retries.describe(e));
    } finally {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        // the broker is away: nothing left to do
      }
      producer.close(Duration.ofSeconds(5));
    }
  }

  private int retried(Throwable e, int failures) {
    return Retries.retried(loop, "the job intake", e, failures);
  }

  /** Commits past {@code record}, retrying until the broker takes it (or the group moved the partition elsewhere). */
  private void commit(ConsumerRecord<String, byte[]> record) {
    Map<TopicPartition, OffsetAndMetadata> offset = Map.of(new TopicPartition(record.topic(), record.partition()),
        new OffsetAndMetadata(record.offset() + 1));
    for (int failures = 0; running; ) {
      try {
        consumer.commitSync(offset, CALL_TIMEOUT);
        return;
      } catch (CommitFailedException e) {
        // The group gave the partition to another member while the broker was away: it starts
        // after the last committed offset, so this record may come again (recognised, see handle).
        loop.retrying(e);
        return;
      } catch (WakeupException e) {
        if (running) {
          failures = retried(e, failures);
        }
      } catch (RuntimeException e) {
        if (Retries.fatal(e)) {
          throw e;
        }
        failures = retried(e, failures);
      }
    }
  }

  private void handle(ConsumerRecord<String, byte[]> record) {
    JobCodec.Job job;
    try {
      job = JobCodec.decode(record.key(), record.value());
    } catch (SpecException e) {
      reject(record, e);
      return;
    } catch (RuntimeException e) {
      // A parser's own failure on hostile input (stack depth, a library bug): still a rejection, never a dead intake.
      reject(record, new SpecException("", "the payload could not be read: " + Retries.describe(e)));
      return;
    } catch (StackOverflowError e) {
      reject(record, new SpecException("", "the payload is nested too deeply to read"));
      return;
    }
    Path file = jobsDir.resolve(job.id() + ".json");
    Path source = jobsDir.resolve(job.id() + ".source");
    String origin = record.topic() + "-" + record.partition() + "-" + record.offset() + "\n";
    if (Files.exists(file)) {
      if (!origin.equals(readQuietly(source))) {
        listener.duplicate(job.id());
      }
      return;
    }
    for (int failures = 0; running; ) {
      try {
        Files.createDirectories(jobsDir);
        AtomicFiles.writeString(source, origin);
        AtomicFiles.writeString(file, SpecReader.toJson(job.spec()));
        // The spec goes on parsed: nothing in this process parses or checks its text again. What the
        // intake checked (the spec alone, every error at once) is not repeated by the supervisor,
        // which checks only what needs the data and files (ExperimentRunner.validate), once, as it
        // prepares the experiment; the spec text is parsed again only by a process that restarts
        // (from the job file) or serves a teacher for another process's student.
        listener.accepted(job);
        return;
      } catch (IOException | UncheckedIOException e) {
        // A full or read-only disk: the job is not lost (its offset is not committed); the loop shows as stuck.
        failures = retried(e, failures);
      }
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  /** Publishes the rejection of a record, with every error of {@code why}. */
  private void reject(ConsumerRecord<String, byte[]> record, SpecException why) {
    String id = record.key() == null ? "" : record.key();
    JobRejection rejection = JobRejection.of(id, why, record.value(), System.currentTimeMillis(), MAX_REJECTION_BYTES);
    ProducerRecord<String, String> out = new ProducerRecord<>(Topics.REJECTED_JOBS, rejection.experimentId(), SpecReader.toJson(rejection));
    out.headers().add(RECORD_ID_HEADER, (record.topic() + "-" + record.partition() + "-" + record.offset()).getBytes(StandardCharsets.UTF_8));
    for (int failures = 0; running; ) {
      try {
        producer.send(out).get(CALL_TIMEOUT.toMillis() * 3, TimeUnit.MILLISECONDS);
        listener.rejected(rejection);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ExecutionException | TimeoutException | RuntimeException e) {
        Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
        if (cause instanceof WakeupException && !running) {
          return;
        }
        if (Retries.fatal(cause)) {
          throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
        if (!(cause instanceof RetriableException || cause instanceof TimeoutException
            || cause instanceof org.apache.kafka.common.errors.TimeoutException)) {
          // Not retriable for this record (too large for a broker with a lower limit, say): reported, and moved past.
          System.err.println("mentor: could not publish the rejection of job '" + rejection.experimentId() + "': " + Retries.describe(cause)
              + "; moving past it");
          listener.rejected(rejection);
          return;
        }
        failures = retried(cause, failures);
      }
    }
  }

  /** The jobs partitions this intake currently consumes (empty while its group rebalances). */
  public Set<Integer> assignedPartitions() {
    return assigned;
  }

  /**
   * Tells the polling thread to leave its group and end, without waiting for it ({@link #close}
   * waits): a node stopping several consumers lets them leave their groups at the same time.
   */
  public void stopPolling() {
    running = false;
    consumer.wakeup();
  }

  /** Stops after the record in hand; offsets of handled records are committed. */
  @Override
  public void close() throws InterruptedException {
    stopPolling();
    thread.join();
    health.unregister(loop);
  }
}
