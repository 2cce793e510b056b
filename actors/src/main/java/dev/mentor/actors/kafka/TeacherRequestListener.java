package dev.mentor.actors.kafka;

import dev.mentor.messages.tensor.TeacherStreamRequest;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.LoopHealth;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Takes students' teacher-stream requests for this process. The processes that serve teachers
 * form one consumer group, so each request goes to one of them. A request lost with a crashed
 * process is not retried here: its student times out and its run is restarted, which asks again.
 */
public final class TeacherRequestListener {
  public static final String GROUP = "mentor-teachers";

  /** A request older than this has a student that gave up long ago (it waits {@code KafkaTeacherStreams}' timeout). */
  public static final Duration STALE = Duration.ofMinutes(10);

  private TeacherRequestListener() {}

  public static JsonTopicListener<TeacherStreamRequest> start(Map<String, Object> clientProperties, Consumer<TeacherStreamRequest> receiver,
      Consumer<String> invalid, LoopHealth health) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    // From the start for a group that never committed, so no request sent while it formed is missed; stale ones are skipped.
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return JsonTopicListener.start(props, Topics.TEACHER_REQUESTS, TeacherStreamRequest.class, "teacher request",
        record -> System.currentTimeMillis() - record.timestamp() <= STALE.toMillis(), receiver, invalid, "mentor-teacher-requests", false, health);
  }
}
