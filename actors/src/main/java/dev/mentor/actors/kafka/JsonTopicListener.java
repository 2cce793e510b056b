package dev.mentor.actors.kafka;

import dev.mentor.messages.spec.SpecReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows one topic of JSON requests on a thread of its own, handing each readable one to its
 * receiver; an unreadable record is reported and skipped, never fatal. Offsets are committed
 * after each poll's records were handed on. Stopped with {@code wakeup()} by {@link #close()}.
 */
public final class JsonTopicListener<T> implements AutoCloseable {
  private final KafkaConsumer<String, String> consumer;
  private final Class<T> type;
  private final String what;
  private final Predicate<ConsumerRecord<String, String>> wanted;
  private final Consumer<T> receiver;
  private final Thread thread;
  private volatile boolean running = true;

  private JsonTopicListener(Map<String, Object> consumerProperties, Class<T> type, String what, Predicate<ConsumerRecord<String, String>> wanted,
      Consumer<T> receiver, String threadName) {
    Map<String, Object> props = new java.util.HashMap<>(consumerProperties);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    this.type = type;
    this.what = what;
    this.wanted = wanted;
    this.receiver = receiver;
    this.thread = new Thread(this::run, threadName);
  }

  /**
   * Subscribes to {@code topic} with {@code consumerProperties} (group and offset reset included)
   * and starts following. {@code wanted} filters records before they are read ({@code what}
   * names them in messages). With {@code awaitAssignment}, returns only once partitions are
   * assigned and positioned, so requests sent after the call are seen.
   */
  public static <T> JsonTopicListener<T> start(Map<String, Object> consumerProperties, String topic, Class<T> type, String what,
      Predicate<ConsumerRecord<String, String>> wanted, Consumer<T> receiver, String threadName, boolean awaitAssignment) {
    JsonTopicListener<T> listener = new JsonTopicListener<>(consumerProperties, type, what, wanted, receiver, threadName);
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

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          if (!wanted.test(record)) {
            continue;
          }
          try {
            receiver.accept(SpecReader.json().readValue(record.value(), type));
          } catch (Exception e) {
            System.err.println("mentor: ignoring an unreadable " + what + " at offset " + record.offset() + ": " + e.getMessage());
          }
        }
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      consumer.close();
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join();
  }
}
