package dev.mentor.actors.kafka;

import dev.mentor.messages.job.JobCodec;
import dev.mentor.messages.job.JobRejection;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.files.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Takes experiments from the jobs topic, one record at a time, on a thread of its own. A valid
 * spec is accepted durably — its resolved spec written to {@code <state>/jobs/<id>.json} — before
 * the record's offset is committed, so a crash never loses a submission; a job id already
 * accepted is reported as a duplicate and not run again. An invalid or malformed payload goes to
 * the rejected-jobs topic with the field, the reason and the original payload (acknowledged by the
 * broker before the offset is committed), and the intake goes on with the next record.
 */
public final class JobIntake implements AutoCloseable {
  /** What the intake found; called on the intake's thread. */
  public interface Listener {
    void accepted(JobCodec.Job job);

    void rejected(JobRejection rejection);

    void duplicate(String experimentId);
  }

  public static final String GROUP = "mentor-service";

  private final Consumer<String, byte[]> consumer;
  private final Producer<String, String> producer;
  private final Path jobsDir;
  private final Listener listener;
  private final Thread thread;
  private volatile boolean running = true;
  private volatile java.util.Set<Integer> assigned = java.util.Set.of();

  private JobIntake(Map<String, Object> clientProperties, Path stateDir, Listener listener) {
    Map<String, Object> consumerProps = new HashMap<>(clientProperties);
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10);
    this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
    Map<String, Object> producerProps = new HashMap<>(clientProperties);
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    producerProps.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer());
    this.jobsDir = jobsDir(stateDir);
    this.listener = listener;
    this.thread = new Thread(this::run, "mentor-job-intake");
  }

  /** Starts consuming; {@code clientProperties} holds at least {@code bootstrap.servers} (plus any security settings). */
  public static JobIntake start(Map<String, Object> clientProperties, Path stateDir, Listener listener) {
    JobIntake intake = new JobIntake(clientProperties, stateDir, listener);
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
      consumer.subscribe(List.of(MentorTopics.JOBS), new org.apache.kafka.clients.consumer.ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
          assigned = java.util.Set.of();
        }

        @Override
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
          assigned = consumer.assignment().stream().map(TopicPartition::partition).collect(java.util.stream.Collectors.toUnmodifiableSet());
        }
      });
      while (running) {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
          handle(record);
          consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1)));
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      consumer.close();
      producer.close();
    }
  }

  private void handle(ConsumerRecord<String, byte[]> record) {
    JobCodec.Job job;
    try {
      job = JobCodec.decode(record.key(), record.value());
    } catch (SpecException e) {
      reject(record, e.field(), e.reason());
      return;
    }
    Path file = jobsDir.resolve(job.id() + ".json");
    if (Files.exists(file)) {
      listener.duplicate(job.id());
      return;
    }
    try {
      Files.createDirectories(jobsDir);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create " + jobsDir + ": " + e.getMessage(), e);
    }
    AtomicFiles.writeString(file, SpecReader.toJson(job.spec()));
    listener.accepted(job);
  }

  private void reject(ConsumerRecord<String, byte[]> record, String field, String reason) {
    String id = record.key() == null ? "" : record.key();
    JobRejection rejection = new JobRejection(JobRejection.SCHEMA_VERSION, id, field, reason, JobCodec.payloadText(record.value()),
        System.currentTimeMillis());
    try {
      producer.send(new ProducerRecord<>(MentorTopics.REJECTED_JOBS, id, SpecReader.toJson(rejection))).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing a rejection", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot publish a rejection for job '" + id + "': " + e.getCause().getMessage(), e.getCause());
    }
    listener.rejected(rejection);
  }

  /** The jobs partitions this intake currently consumes (empty while its group rebalances). */
  public java.util.Set<Integer> assignedPartitions() {
    return assigned;
  }

  /** Stops after the record in hand; offsets of handled records are committed. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join();
  }
}
