package dev.mentor.actors.kafka;

import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.tensor.TeacherStreamRequest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Takes students' teacher-stream requests for this process, on a thread of its own. The
 * processes that serve teachers form one consumer group, so each request goes to one of them. A
 * request lost with a crashed process is not retried here: its student times out and its run is
 * restarted, which asks again.
 */
public final class TeacherRequestListener implements AutoCloseable {
  public static final String GROUP = "mentor-teachers";

  /** A request older than this has a student that gave up long ago (it waits {@code KafkaTeacherStreams}' timeout). */
  public static final Duration STALE = Duration.ofMinutes(10);

  private final KafkaConsumer<String, String> consumer;
  private final Consumer<TeacherStreamRequest> receiver;
  private final Thread thread;
  private volatile boolean running = true;

  private TeacherRequestListener(Map<String, Object> clientProperties, Consumer<TeacherStreamRequest> receiver) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    // From the start for a group that never committed, so no request sent while it formed is missed; stale ones are skipped below.
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    this.receiver = receiver;
    this.thread = new Thread(this::run, "mentor-teacher-requests");
  }

  public static TeacherRequestListener start(Map<String, Object> clientProperties, Consumer<TeacherStreamRequest> receiver) {
    TeacherRequestListener listener = new TeacherRequestListener(clientProperties, receiver);
    listener.consumer.subscribe(List.of(MentorTopics.TEACHER_REQUESTS));
    listener.thread.start();
    return listener;
  }

  private void run() {
    try {
      while (running) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          if (System.currentTimeMillis() - record.timestamp() > STALE.toMillis()) {
            continue;
          }
          try {
            receiver.accept(SpecReader.json().readValue(record.value(), TeacherStreamRequest.class));
          } catch (Exception e) {
            System.err.println("mentor: ignoring an unreadable teacher request at offset " + record.offset() + ": " + e.getMessage());
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
