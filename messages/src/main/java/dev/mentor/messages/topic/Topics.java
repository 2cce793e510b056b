package dev.mentor.messages.topic;

/**
 * Every Kafka topic Mentor uses, by name, and the small protocol of a tensor stream on them: a
 * stream is named by its producer and consumer, its records are keyed by that name, its
 * consumer acknowledges on {@link #TENSOR_ACKS} with the count of frames used or {@link #ACK_END}
 * once it needs no more, and an ensemble teacher's members publish frames named
 * {@link #memberFrame(int)} beside each other. Settings (partitions, retention) are declared
 * where the topics are created, in the runtime.
 */
public final class Topics {
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

  /** The acknowledgement that ends a stream: its consumer needs no more frames. */
  public static final String ACK_END = "end";
  /** The frame holding a teacher's logits (all of an ensemble's members when they are not streamed apart). */
  public static final String LOGITS_FRAME = "logits";

  private Topics() {}

  /** The stream name (the records' key) for one producer and one consumer. */
  public static String streamName(String experiment, String producerArm, String consumerArm, long seed) {
    return experiment + "/" + producerArm + "->" + consumerArm + "/s" + seed;
  }

  /** The frame name of ensemble member {@code m}'s logits. */
  public static String memberFrame(int m) {
    return "member-" + m;
  }
}
