package dev.mentor.actors.kafka;

import dev.mentor.messages.job.ControlRequest;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.LoopHealth;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;

/**
 * Follows the control topic. Every service process reads every request sent after it started
 * (every partition, from the end, in no consumer group), because only the process running an
 * experiment can cancel, pause or resume it; requests for experiments it does not run are
 * ignored by the receiver. With no group there is no rejoin: after a broker outage the listener
 * goes on from where it was, so a request sent while the broker came back is not skipped (a
 * group of its own with offset reset {@code latest} skipped such requests when its rejoin
 * reset the position to the end). A
 * request that is not valid (schema version, experiment id, action) is reported to {@code invalid}
 * with the field at fault, and skipped.
 */
public final class ControlListener {
  private ControlListener() {}

  /** Starts following; returns once the listener is subscribed and positioned, so later requests are seen. */
  public static JsonTopicListener<ControlRequest> start(Map<String, Object> clientProperties, Consumer<ControlRequest> receiver,
      Consumer<String> invalid, LoopHealth health) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.remove(ConsumerConfig.GROUP_ID_CONFIG);
    return JsonTopicListener.start(props, Topics.CONTROL, ControlRequest.class, "control request", record -> true, receiver,
        invalid, "mentor-control", true, health);
  }
}
