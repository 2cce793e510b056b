package dev.mentor.actors.kafka;

import dev.mentor.messages.spec.SpecReader;
import dev.mentor.monitoring.LoopHealth;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one topic of JSON requests on a thread of its own, handing each readable one to its
 * receiver; an unreadable or invalid record is reported (to stderr and {@code unreadable}) and
 * skipped, never fatal. In a consumer group, offsets are committed after each poll's records were
 * handed on.
 *
 * <p>The loop outlives any broker outage: a failed poll or commit is retried with backoff for as
 * long as it takes (positions stay where they were, so nothing is skipped, and a commit that
 * failed is covered by the next one). Only errors no retry can cure ({@link Retries#fatal}) end
 * it, and then its {@link LoopHealth.Loop} says so, which makes the process not ready. Stopped
 * with {@code wakeup()} by {@link #close()}.
 */
public final class JsonTopicListener<T> implements AutoCloseable {
  /** A loop that has not polled, or kept failing, for this long counts as stuck. */
  static final Duration STUCK_AFTER = Duration.ofSeconds(30);

  private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

  // Qualified: Consumer here is java.util.function.Consumer, the receivers' type.
  private final org.apache.kafka.clients.consumer.Consumer<String, String> consumer;
  private final Class<T> type;
  private final String what;
  private final Predicate<ConsumerRecord<String, String>> wanted;
  private final Consumer<T> receiver;
  private final Consumer<String> unreadable;
  private final Thread thread;
  private final LoopHealth health;
  private final LoopHealth.Loop loop;
  /** In a consumer group (positions committed), or following every partition on its own. */
  private final boolean grouped;
  private volatile boolean running = true;

  private JsonTopicListener(Map<String, Object> consumerProperties, Class<T> type, String what, Predicate<ConsumerRecord<String, String>> wanted,
      Consumer<T> receiver, Consumer<String> unreadable, String threadName, LoopHealth health) {
    KafkaClients clients = new KafkaClients(consumerProperties).with(Map.of(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    this.consumer = clients.consumer(new StringDeserializer(), new StringDeserializer());
    this.grouped = clients.config().get(ConsumerConfig.GROUP_ID_CONFIG) != null;
    this.type = type;
    this.what = what;
    this.wanted = wanted;
    this.receiver = receiver;
    this.unreadable = unreadable;
    this.health = health;
    this.loop = health.register(threadName, STUCK_AFTER);
    this.thread = new Thread(this::run, threadName);
  }

  /**
   * Subscribes to {@code topic} with {@code consumerProperties} (group and offset reset included)
   * and starts following; without a group id in the properties, follows every partition from
   * its end as this call finds it, with no group (and nothing committed). {@code wanted} filters records before they are read ({@code what}
   * names them in messages); {@code unreadable} hears the reason for each record that could not
   * be read or was invalid. With {@code awaitAssignment}, returns only once partitions are
   * assigned and positioned, so requests sent after the call are seen.
   */
  public static <T> JsonTopicListener<T> start(Map<String, Object> consumerProperties, String topic, Class<T> type, String what,
      Predicate<ConsumerRecord<String, String>> wanted, Consumer<T> receiver, Consumer<String> unreadable, String threadName,
      boolean awaitAssignment, LoopHealth health) {
    JsonTopicListener<T> listener = new JsonTopicListener<>(consumerProperties, type, what, wanted, receiver, unreadable, threadName, health);
    if (!listener.grouped) {
      listener.followFromTheEnd(topic);
      listener.thread.start();
      return listener;
    }
    listener.consumer.subscribe(List.of(topic));
    if (awaitAssignment) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (listener.consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
        listener.consumer.poll(Duration.ofMillis(100));
      }
      listener.consumer.assignment().forEach(listener.consumer::position);
    }
    listener.thread.start();
    return listener;
  }

  /**
   * Without a consumer group: every partition of {@code topic}, from its end as the call finds it,
   * and from there on the consumer's own positions. No coordinator is involved, so no rejoin after
   * a broker outage can move the positions to a later end and skip what was sent meanwhile.
   */
  private void followFromTheEnd(String topic) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    List<TopicPartition> partitions = List.of();
    while (partitions.isEmpty()) {
      try {
        partitions = consumer.partitionsFor(topic, Duration.ofSeconds(5)).stream()
            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      } catch (RuntimeException e) {
        if (Retries.fatal(e) || System.nanoTime() > deadline) {
          throw e;
        }
      }
      if (partitions.isEmpty() && (System.nanoTime() > deadline || !Retries.sleep(Retries.FIRST))) {
        throw new IllegalStateException("topic " + topic + " has no partitions to follow (does it exist?)");
      }
    }
    consumer.assign(partitions);
    consumer.seekToEnd(partitions);
    try {
      partitions.forEach(p -> consumer.position(p, Duration.ofSeconds(10)));
    } catch (RuntimeException e) {
      // the broker is away: the first poll after its return finds the end
    }
  }

  private void run() {
    int failures = 0;
    try {
      while (running) {
        try {
          ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(500));
          for (ConsumerRecord<String, String> record : records) {
            if (wanted.test(record)) {
              handle(record);
            }
          }
          if (!records.isEmpty() && grouped) {
            consumer.commitSync(COMMIT_TIMEOUT);
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
          failures = Retries.retried(loop, Thread.currentThread().getName(), e, failures);
        }
      }
      health.unregister(loop);
    } catch (Throwable e) {
      loop.died(e);
      System.err.println("mentor: " + Thread.currentThread().getName() + " stopped for good: " + Retries.describe(e));
    } finally {
      try {
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        // closing while the broker is away: nothing left to do
      }
    }
  }

  private void handle(ConsumerRecord<String, String> record) {
    T value;
    try {
      value = SpecReader.readJson(record.value(), type);
    } catch (RuntimeException | StackOverflowError e) {
      String reason = "an unreadable " + what + " at offset " + record.offset() + ": " + bounded(Retries.describe(e));
      System.err.println("mentor: ignoring " + reason);
      unreadable.accept(reason);
      return;
    }
    receiver.accept(value);
  }

  private static String bounded(String text) {
    return text.length() <= 300 ? text : text.substring(0, 300) + "... (" + text.length() + " characters)";
  }

  /**
   * Tells the polling thread to leave its group and end, without waiting for it ({@link #close}
   * waits): a node stopping several consumers lets them leave their groups at the same time.
   */
  public void stopPolling() {
    running = false;
    consumer.wakeup();
  }

  @Override
  public void close() throws InterruptedException {
    stopPolling();
    thread.join();
    health.unregister(loop);
  }
}
