package dev.mentor.actors.kafka;

import static dev.mentor.messages.topic.Topics.CONTROL;
import static dev.mentor.messages.topic.Topics.JOBS;
import static dev.mentor.messages.topic.Topics.JOB_PARTITIONS;
import static dev.mentor.messages.topic.Topics.REJECTED_JOBS;
import static dev.mentor.messages.topic.Topics.RESULTS;
import static dev.mentor.messages.topic.Topics.STATUS;
import static dev.mentor.messages.topic.Topics.TEACHER_OUTPUTS;
import static dev.mentor.messages.topic.Topics.TEACHER_REQUESTS;
import static dev.mentor.messages.topic.Topics.TENSORS;
import static dev.mentor.messages.topic.Topics.TENSOR_ACKS;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The settings of every topic Mentor uses (named in {@link dev.mentor.messages.topic.Topics}), and their creation at start. Jobs, rejected
 * jobs, status events, results and control are small JSON records kept for a week; the jobs topic
 * is keyed by experiment id and partitioned, so that several service processes share the jobs. Tensor frames are large binary records kept only as long as training
 * needs them; the teacher-output topic is compacted (one frame per teacher, data view and sample
 * batch: the latest wins and is kept).
 */
public final class MentorTopics {
  private static final long WEEK_MS = 7L * 24 * 3600 * 1000;
  private static final int MAX_TENSOR_MESSAGE_BYTES = 16 * 1024 * 1024;

  private MentorTopics() {}

  /** The topics with their partition counts and configs, for a single broker (replication factor 1) or more. */
  public static List<NewTopic> declarations(short replicationFactor) {
    List<NewTopic> topics = new ArrayList<>();
    Map<String, String> events = Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(WEEK_MS));
    // Jobs are spread over partitions by experiment id, so the service processes of one consumer
    // group share them (a partition per process at most); one id always lands on one partition.
    topics.add(new NewTopic(JOBS, JOB_PARTITIONS, replicationFactor).configs(events));
    topics.add(new NewTopic(TEACHER_REQUESTS, JOB_PARTITIONS, replicationFactor).configs(events));
    for (String name : List.of(REJECTED_JOBS, STATUS, RESULTS, CONTROL, TENSOR_ACKS)) {
      topics.add(new NewTopic(name, 1, replicationFactor).configs(events));
    }
    topics.add(new NewTopic(TENSORS, 4, replicationFactor).configs(Map.of(
        TopicConfig.RETENTION_MS_CONFIG, String.valueOf(6L * 3600 * 1000),
        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_TENSOR_MESSAGE_BYTES))));
    topics.add(new NewTopic(TEACHER_OUTPUTS, 4, replicationFactor).configs(Map.of(
        TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
        TopicConfig.MAX_MESSAGE_BYTES_CONFIG, String.valueOf(MAX_TENSOR_MESSAGE_BYTES))));
    return topics;
  }

  public static Set<String> names() {
    return Set.of(JOBS, TEACHER_REQUESTS, REJECTED_JOBS, STATUS, RESULTS, CONTROL, TENSORS, TEACHER_OUTPUTS, TENSOR_ACKS);
  }

  /** Creates whichever of Mentor's topics do not exist yet; existing ones are left as they are. */
  public static void ensure(Admin admin, short replicationFactor) throws InterruptedException, ExecutionException {
    Set<String> existing = admin.listTopics().names().get();
    List<NewTopic> missing = declarations(replicationFactor).stream().filter(t -> !existing.contains(t.name())).toList();
    if (missing.isEmpty()) {
      return;
    }
    try {
      admin.createTopics(missing).all().get();
    } catch (ExecutionException e) {
      // Another Mentor process may have created some of them in between: that is fine.
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }
}
