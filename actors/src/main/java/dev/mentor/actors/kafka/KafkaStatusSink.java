package dev.mentor.actors.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mentor.actors.status.StatusSink;
import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.LoopHealth;
import dev.mentor.training.files.AtomicFiles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes status events and run records as JSON on their topics, keyed by experiment id (one
 * partition per key keeps an experiment's events in order), and loses none of them to a broker
 * outage, nor blocks the training path on the broker.
 *
 * <ul>
 *   <li>Callers only enqueue: {@link #status} and {@link #result} put the record in a bounded
 *       queue ({@link #CAPACITY}) and return. When the queue is full they wait for room —
 *       back-pressure that is counted ({@code mentor.publish.waits}), never a silent drop.
 *   <li>One publisher thread sends in queue order through an idempotent producer ({@code acks=all})
 *       that retries each record until the broker acknowledges it ({@code delivery.timeout.ms}
 *       unbounded), so order per experiment holds across retries. A send that cannot even start
 *       (no metadata while the broker is away) is retried with backoff on that thread.
 *   <li>A run record is published once per finish: its header {@value #RECORD_ID_HEADER} is a
 *       stable id (experiment, arm, seed and a digest of the record), the ids the broker already
 *       holds are read from the results topic before this process publishes its first record,
 *       and a record whose id is there is not published again (a service restarted after a
 *       crash re-reports the runs that finished before it). A consumer can dedupe by the header.
 *   <li>What is still unacknowledged when the sink closes (the broker away at shutdown) is kept
 *       in a spill file and published first by the next sink on the same file.
 * </ul>
 */
public final class KafkaStatusSink implements StatusSink, MeterBinder, AutoCloseable {
  /** Records waiting to be sent at most; past this, callers wait. */
  public static final int CAPACITY = 10_000;

  /** Header of every record this sink publishes: a stable id a consumer can dedupe by. */
  public static final String RECORD_ID_HEADER = JobIntake.RECORD_ID_HEADER;

  static final String THREAD = "mentor-status-publisher";

  private final Map<String, Object> clientProperties;
  private final Producer<String, String> producer;
  private final BlockingDeque<ProducerRecord<String, String>> queue = new LinkedBlockingDeque<>(CAPACITY);
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong waits = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong acknowledged = new AtomicLong();
  /** Records a closing producer failed to deliver: spilled with the queue's rest. */
  private final List<ProducerRecord<String, String>> undelivered = new ArrayList<>();
  /**
   * Records the producer gave back with a retriable error (no metadata within max.block.ms while
   * the broker is away: the callback runs in {@code send}, on the publisher's thread, in order):
   * sent again before anything newer, so events keep their order.
   */
  private final ConcurrentLinkedDeque<ProducerRecord<String, String>> retry =
      new ConcurrentLinkedDeque<>();
  private final AtomicInteger retryAttempt = new AtomicInteger();
  /** The error that sent the last record back to {@link #retry}, for the loop's report. */
  private volatile Throwable retryError;
  private final Set<String> publishedResults = ConcurrentHashMap.newKeySet();
  private final Path spill;
  private final LoopHealth health;
  private final LoopHealth.Loop loop;
  private final Thread publisher;
  private final Duration closeTimeout;
  private volatile boolean scanned;
  private volatile boolean running = true;
  private volatile boolean closing;
  private volatile MeterRegistry registry;

  /** A sink without a spill file (what is unacknowledged at close is reported, not kept). */
  public KafkaStatusSink(Map<String, Object> clientProperties) {
    this(clientProperties, null, new LoopHealth(), Duration.ofSeconds(10));
  }

  /**
   * {@code spill}: where records still unacknowledged at close are kept (null: none);
   * {@code closeTimeout}: how long {@link #close()} waits for the broker to take what is queued.
   */
  public KafkaStatusSink(Map<String, Object> clientProperties, Path spill, LoopHealth health, Duration closeTimeout) {
    this.clientProperties = Map.copyOf(clientProperties);
    this.producer = new KafkaClients(clientProperties).with(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
        ProducerConfig.LINGER_MS_CONFIG, 5,
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000)).producer(new StringSerializer(), new StringSerializer());
    this.spill = spill;
    this.health = health;
    this.closeTimeout = closeTimeout;
    this.loop = health.register(THREAD, JsonTopicListener.STUCK_AFTER);
    loadSpill();
    this.publisher = new Thread(this::publish, THREAD);
    publisher.setDaemon(true);
    publisher.start();
  }

  @Override
  public void status(StatusEvent event) {
    enqueue(new ProducerRecord<>(Topics.STATUS, event.experimentId(), SpecReader.toJson(event)));
  }

  @Override
  public void result(String experimentId, RunRecord record) {
    String json = SpecReader.toJson(record);
    ProducerRecord<String, String> out = new ProducerRecord<>(Topics.RESULTS, experimentId, json);
    out.headers().add(RECORD_ID_HEADER, resultId(experimentId, record).getBytes(StandardCharsets.UTF_8));
    enqueue(out);
  }

  /** The stable id of a run record: the same finish gives the same id, a new finish of the same run another. */
  public static String resultId(String experimentId, RunRecord record) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(SpecReader.toJson(record).getBytes(StandardCharsets.UTF_8));
      return experimentId + "/" + record.arm() + "/s" + record.seed() + "/" + HexFormat.of().formatHex(digest, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private void enqueue(ProducerRecord<String, String> record) {
    if (closing) {
      throw new IllegalStateException("the status sink is closed");
    }
    if (!queue.offerLast(record)) {
      waits.incrementAndGet();
      try {
        queue.putLast(record);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for room in the status queue", e);
      }
    }
  }

  /** Records queued or sent and not yet acknowledged. */
  public int pending() {
    return queue.size() + retry.size() + inFlight.get();
  }

  private void publish() {
    int attempt = 0;
    while (true) {
      ProducerRecord<String, String> record;
      record = retry.pollFirst();
      if (record != null) {
        if (!running) {
          retry.offerFirst(record);
          break;
        }
        retryAttempt.set(Retries.retried(loop, "the status publisher", retryError, retryAttempt.get()));
      } else {
        try {
          record = queue.pollFirst(200, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          break;
        }
      }
      if (record == null) {
        if (!running) {
          break;
        }
        loop.beat();
        continue;
      }
      String id = resultIdOf(record);
      if (id != null) {
        if (!scanned) {
          scanned = scanPublishedResults();
          if (!scanned) {
            queue.offerFirst(record);
            if (!running) {
              break;
            }
            Retries.sleep(Retries.backoff(attempt++));
            continue;
          }
        }
        if (publishedResults.contains(id)) {
          skipped.incrementAndGet();
          continue;
        }
      }
      try {
        inFlight.incrementAndGet();
        ProducerRecord<String, String> sent = record;
        producer.send(sent, (metadata, error) -> acknowledged(sent, id, error));
        loop.beat();
        attempt = 0;
      } catch (RuntimeException e) {
        inFlight.decrementAndGet();
        // No metadata within max.block.ms (the broker away) or a full buffer: the oldest record, sent again first.
        retryError = e;
        retry.offerFirst(record);
        if (Retries.fatal(e)) {
          loop.died(e);
          System.err.println("mentor: status publisher stopped for good: " + Retries.describe(e));
          break;
        }
      }
    }
  }

  private void acknowledged(ProducerRecord<String, String> record, String id, Exception error) {
    inFlight.decrementAndGet();
    if (error == null) {
      retryAttempt.set(0);
      acknowledged.incrementAndGet();
      if (id != null) {
        publishedResults.add(id);
      }
      return;
    }
    if (closing) {
      synchronized (undelivered) {
        undelivered.add(record);
      }
      return;
    }
    if (!Retries.fatal(error) && !(error instanceof RecordTooLargeException)
        && !(error instanceof InvalidTopicException)) {
      retryError = error;
      retry.addLast(record);
      return;
    }
    failures.incrementAndGet();
    MeterRegistry r = registry;
    if (r != null) {
      failedCounter(r).increment();
    }
    System.err.println("mentor: could not publish a record on " + record.topic() + " for '" + record.key() + "': " + Retries.describe(error));
  }

  private static String resultIdOf(ProducerRecord<String, String> record) {
    if (!record.topic().equals(Topics.RESULTS)) {
      return null;
    }
    Header header = record.headers().lastHeader(RECORD_ID_HEADER);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  /** Reads the ids of the run records the results topic holds; false when the broker did not answer. */
  private boolean scanPublishedResults() {
    KafkaClients clients = new KafkaClients(clientProperties).without(ConsumerConfig.GROUP_ID_CONFIG).with(Map.of(
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    try (Consumer<String, String> consumer = clients.consumer(new StringDeserializer(), new StringDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(Topics.RESULTS, Duration.ofSeconds(10)).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
      // However long the topic: the loop beats while it reads, and a close ends the read.
      while (partitions.stream().anyMatch(p -> consumer.position(p, Duration.ofSeconds(10)) < end.get(p))) {
        if (!running) {
          return false;
        }
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          Header header = record.headers().lastHeader(RECORD_ID_HEADER);
          if (header != null) {
            publishedResults.add(new String(header.value(), StandardCharsets.UTF_8));
          }
        }
        loop.beat();
      }
      return true;
    } catch (RuntimeException e) {
      loop.retrying(e);
      return false;
    }
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("mentor.publish.pending", this, KafkaStatusSink::pending)
        .description("Status events and run records queued or sent and not yet acknowledged by the broker").register(registry);
    FunctionCounter.builder("mentor.publish.waits", waits, AtomicLong::get)
        .description("Times a caller waited for room in the full status queue (back-pressure)").register(registry);
    FunctionCounter.builder("mentor.results.republish.skipped", skipped, AtomicLong::get)
        .description("Run records not published again because the broker already held them").register(registry);
    failedCounter(registry);
  }

  private static Counter failedCounter(MeterRegistry registry) {
    return Counter.builder("mentor.publish.failed").description("Status events and run records the broker refused for good (reported in the log)")
        .register(registry);
  }

  /** Run records not published again because the broker already held them. */
  public long skippedRepublications() {
    return skipped.get();
  }

  private void loadSpill() {
    if (spill == null || !Files.exists(spill)) {
      return;
    }
    try {
      for (String line : Files.readAllLines(spill)) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode node = SpecReader.json().readTree(line);
        ProducerRecord<String, String> record = new ProducerRecord<>(node.path("topic").asText(),
            node.path("key").isNull() ? null : node.path("key").asText(), node.path("value").asText());
        if (node.hasNonNull("id")) {
          record.headers().add(RECORD_ID_HEADER, node.path("id").asText().getBytes(StandardCharsets.UTF_8));
        }
        queue.offerLast(record);
      }
      Files.delete(spill);
    } catch (IOException e) {
      System.err.println("mentor: could not read the unpublished records in " + spill + ": " + e.getMessage());
    }
  }

  private void writeSpill(List<ProducerRecord<String, String>> records) {
    if (records.isEmpty()) {
      return;
    }
    if (spill == null) {
      System.err.println("mentor: " + records.size() + " status events and run records were not acknowledged before shutdown");
      return;
    }
    StringBuilder out = new StringBuilder();
    for (ProducerRecord<String, String> record : records) {
      ObjectNode node = SpecReader.json().createObjectNode();
      node.put("topic", record.topic());
      node.put("key", record.key());
      node.put("value", record.value());
      node.put("id", record.topic().equals(Topics.RESULTS) ? resultIdOf(record) : null);
      out.append(node.toString()).append('\n');
    }
    AtomicFiles.writeString(spill, out.toString());
    System.err.println("mentor: kept " + records.size() + " unacknowledged status events and run records in " + spill
        + "; the next start publishes them");
  }

  /**
   * Waits up to the close timeout for the broker to take everything queued, then keeps what it
   * did not take in the spill file.
   */
  @Override
  public void close() {
    long deadline = System.nanoTime() + closeTimeout.toNanos();
    while (pending() > 0 && System.nanoTime() < deadline && publisher.isAlive()) {
      Retries.sleep(Duration.ofMillis(50));
    }
    running = false;
    closing = true;
    try {
      publisher.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    publisher.interrupt();
    producer.close(Duration.ofMillis(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()))));
    List<ProducerRecord<String, String>> rest = new ArrayList<>();
    synchronized (undelivered) {
      rest.addAll(undelivered);
    }
    rest.addAll(retry);
    rest.addAll(queue);
    writeSpill(rest);
    health.unregister(loop);
  }
}
