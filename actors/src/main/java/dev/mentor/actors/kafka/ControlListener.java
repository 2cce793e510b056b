package dev.mentor.actors.kafka;

import dev.mentor.messages.job.ControlRequest;
import dev.mentor.messages.spec.SpecReader;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Follows the control topic on a thread of its own. Every service process reads every request
 * (a consumer group of its own, from the latest offset), because only the process running an
 * experiment can cancel it; requests for experiments it does not run are ignored by the
 * receiver. Unreadable requests are skipped, never fatal.
 */
public final class ControlListener implements AutoCloseable {
  private final KafkaConsumer<String, String> consumer;
  private final Consumer<ControlRequest> receiver;
  private final Thread thread;
  private volatile boolean running = true;

  private ControlListener(Map<String, Object> clientProperties, Consumer<ControlRequest> receiver) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "mentor-control-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    this.receiver = receiver;
    this.thread = new Thread(this::run, "mentor-control");
  }

  /** Starts following; returns once the listener is subscribed and positioned, so later requests are seen. */
  public static ControlListener start(Map<String, Object> clientProperties, Consumer<ControlRequest> receiver) {
    ControlListener listener = new ControlListener(clientProperties, receiver);
    listener.consumer.subscribe(List.of(MentorTopics.CONTROL));
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (listener.consumer.assignment().isEmpty() && System.nanoTime() < deadline) {
      listener.consumer.poll(Duration.ofMillis(100));
    }
    listener.consumer.assignment().forEach(listener.consumer::position);
    listener.thread.start();
    return listener;
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          try {
            receiver.accept(SpecReader.json().readValue(record.value(), ControlRequest.class));
          } catch (Exception e) {
            System.err.println("mentor: ignoring an unreadable control request at offset " + record.offset() + ": " + e.getMessage());
          }
        }
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
