package dev.mentor.actors.kafka;

import dev.mentor.messages.job.ControlRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Follows the control topic. Every service process reads every request (a consumer group of its
 * own, from the latest offset), because only the process running an experiment can cancel,
 * pause or resume it; requests for experiments it does not run are ignored by the receiver. A
 * request that is not valid (schema version, experiment id, action) is reported to {@code invalid}
 * with the field at fault, and skipped.
 */
public final class ControlListener {
  private ControlListener() {}

  /** Starts following; returns once the listener is subscribed and positioned, so later requests are seen. */
  public static JsonTopicListener<ControlRequest> start(Map<String, Object> clientProperties, Consumer<ControlRequest> receiver,
      Consumer<String> invalid, dev.mentor.monitoring.LoopHealth health) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "mentor-control-" + UUID.randomUUID());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    return JsonTopicListener.start(props, MentorTopics.CONTROL, ControlRequest.class, "control request", record -> true, receiver,
        invalid, "mentor-control", true, health);
  }
}
