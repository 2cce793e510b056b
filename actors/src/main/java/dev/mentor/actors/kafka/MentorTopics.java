package dev.mentor.actors.kafka;

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
 * Every topic Mentor uses, named once with its settings, and created at start. Jobs, rejected
 * jobs, status events, results and control are small JSON records kept for a week; the jobs topic
 * is keyed by experiment id and partitioned, so that several service processes share the jobs. Tensor frames are large binary records kept only as long as training
 * needs them; the teacher-output topic is compacted (one frame per teacher, data view and sample
 * batch: the latest wins and is kept).
 */
public final class MentorTopics {
  public static final String JOBS = "mentor.jobs";
  public static final String REJECTED_JOBS = "mentor.jobs.rejected";
  public static final String STATUS = "mentor.status";
  public static final String RESULTS = "mentor.results";
  public static final String CONTROL = "mentor.control";
  public static final String TENSORS = "mentor.tensors";
  /** Students' requests for a teacher stream, shared by the processes that serve teachers (one consumer group). */
  public static final String TEACHER_REQUESTS = "mentor.teacher-requests";
  public static final String TEACHER_OUTPUTS = "mentor.teacher-outputs";
  /** Students' progress through a tensor stream ("consumed n frames"), which bounds how far the producer runs ahead. */
  public static final String TENSOR_ACKS = "mentor.tensor-acks";

  /** Partitions of the jobs topic: the most service processes that can share the jobs. */
  public static final int JOB_PARTITIONS = 6;

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
