package dev.mentor.actors.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.messages.job.StatusEvent.Kind;
import dev.mentor.messages.spec.SpecReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one single-partition topic from its beginning on a thread of its own and keeps every
 * record, so that a scenario can wait for events and judge what was published, across broker
 * outages (the consumer is assigned, not in a group: nothing to rebalance or commit). It reads
 * {@code read_committed}, as a downstream consumer of transactional results would.
 */
final class TopicRecorder implements AutoCloseable {
  /** One record as it was on the topic. */
  record Recorded(long offset, String key, byte[] value, Map<String, String> headers, int serializedSize) {
    String text() {
      return value == null ? "" : new String(value, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return SpecReader.json().readTree(text());
      } catch (IOException e) {
        return SpecReader.json().missingNode();
      }
    }
  }

  private final String topic;
  private final TopicPartition partition;
  private final Consumer<String, byte[]> consumer;
  /** Asks the broker where the topic ends, from callers' threads (a consumer is not shared between threads). */
  private final Consumer<String, byte[]> probe;
  private volatile long position;
  private final List<Recorded> records = new ArrayList<>();
  private final Thread thread;
  private volatile boolean running = true;

  private TopicRecorder(String bootstrapServers, String topic) {
    this.topic = topic;
    KafkaClients clients = KafkaClients.of(bootstrapServers).with(Map.of(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    this.consumer = clients.consumer(new StringDeserializer(), new ByteArrayDeserializer());
    this.probe = clients.consumer(new StringDeserializer(), new ByteArrayDeserializer());
    this.partition = new TopicPartition(topic, 0);
    consumer.assign(List.of(partition));
    consumer.seekToBeginning(List.of(partition));
    this.thread = new Thread(this::run, "chaos-recorder-" + topic);
    thread.setDaemon(true);
  }

  static TopicRecorder start(String bootstrapServers, String topic) {
    TopicRecorder recorder = new TopicRecorder(bootstrapServers, topic);
    recorder.thread.start();
    return recorder;
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          Map<String, String> headers = new HashMap<>();
          for (Header h : r.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
          }
          int size = Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize());
          synchronized (records) {
            records.add(new Recorded(r.offset(), r.key(), r.value(), headers, size));
            records.notifyAll();
          }
        }
        try {
          position = consumer.position(partition, Duration.ofMillis(100));
        } catch (TimeoutException e) {
          // the broker is away: the position is the one before
        }
      }
    } catch (WakeupException e) {
      // closed
    } finally {
      consumer.close();
    }
  }

  /** Every record read so far, in offset order. */
  List<Recorded> all() {
    synchronized (records) {
      return List.copyOf(records);
    }
  }

  /** The records of {@code key}, parsed as JSON. */
  List<Event> events(String key) {
    return all().stream().filter(r -> key.equals(r.key())).map(r -> new Event(r.offset(), r.json())).toList();
  }

  /** The offset after the last record read so far. */
  long nextOffset() {
    synchronized (records) {
      return records.isEmpty() ? 0 : records.get(records.size() - 1).offset() + 1;
    }
  }

  /** Where the topic ends now (for {@code read_committed}: its last stable offset); -1 when the broker does not answer within 5 s. */
  long endOffset() {
    synchronized (probe) {
      try {
        return probe.endOffsets(List.of(partition), Duration.ofSeconds(5)).get(partition);
      } catch (TimeoutException e) {
        return -1;
      }
    }
  }

  /** Waits until everything on the topic now has been read; false when that takes longer than {@code timeout}. */
  boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    long end = endOffset();
    while (end < 0 || position < end) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(50);
      if (end < 0) {
        end = endOffset();
      }
    }
    return true;
  }

  /** A record parsed as JSON, with its offset (the topic's total order). */
  record Event(long offset, JsonNode json) {
    /** The status event's kind, or null for a record that is not a status event. */
    Kind kind() {
      String name = json.path("kind").asText();
      return Arrays.stream(Kind.values()).filter(k -> k.wireName().equals(name)).findFirst().orElse(null);
    }

    /** Whether this status event ends its experiment. */
    boolean ends() {
      Kind kind = kind();
      return kind != null && kind.ends();
    }

    String run() {
      return json.path("arm").asText() + "/s" + json.path("seed").asText();
    }
  }

  /**
   * Waits until a record of {@code key} after {@code fromOffset} matches {@code wanted}; returns
   * it, or null after {@code timeout}.
   */
  Event await(String key, long fromOffset, Predicate<Event> wanted, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int seen = 0;
    synchronized (records) {
      while (true) {
        for (; seen < records.size(); seen++) {
          Recorded r = records.get(seen);
          if (r.offset() >= fromOffset && key.equals(r.key())) {
            Event event = new Event(r.offset(), r.json());
            if (wanted.test(event)) {
              return event;
            }
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        records.wait(Math.max(1, Math.min(left / 1_000_000, 500)));
      }
    }
  }

  String topic() {
    return topic;
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(10_000);
    synchronized (probe) {
      probe.close();
    }
  }
}
