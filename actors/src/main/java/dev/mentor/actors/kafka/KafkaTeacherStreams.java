package dev.mentor.actors.kafka;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.tensor.TeacherStreamRequest;
import dev.mentor.messages.topic.Topics;
import dev.mentor.training.distill.RemoteTeacher;
import dev.mentor.training.distill.TeacherStreams;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The student's side of teachers over Kafka: for a student run it positions a {@link
 * KafkaRemoteTeacher} on a new stream, then asks, on the teacher-requests topic, for any process
 * that serves teachers to stream the teacher's logits for that run. A teacher that never answers
 * fails the student's run after {@code timeout} (and the supervisor restarts it, asking again).
 */
public final class KafkaTeacherStreams implements TeacherStreams {
  /** Frames a teacher may publish ahead of its student. */
  public static final int MAX_LEAD = 8;

  private final Map<String, Object> clientProperties;
  private final String experimentId;
  private final String specJson;
  private final Duration timeout;

  public KafkaTeacherStreams(Map<String, Object> clientProperties, String experimentId, ExperimentSpec spec, Duration timeout) {
    this.clientProperties = Map.copyOf(clientProperties);
    this.experimentId = experimentId;
    this.specJson = SpecReader.toJson(spec);
    this.timeout = timeout;
  }

  @Override
  public RemoteTeacher open(Request request) {
    String stream = Topics.streamName(experimentId, "teacher", request.studentArm(), request.seed()) + "/" + UUID.randomUUID();
    // An ensemble teacher's members publish side by side, each its own frames; the student averages them as they arrive.
    int memberStreams = request.members() > 1 ? request.members() : 0;
    KafkaRemoteTeacher teacher = new KafkaRemoteTeacher(clientProperties, stream, timeout, memberStreams);
    try {
      KafkaClients clients = new KafkaClients(clientProperties).with(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
      try (Producer<String, String> producer = clients.producer(new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(Topics.TEACHER_REQUESTS, stream, SpecReader.toJson(new TeacherStreamRequest(
            TeacherStreamRequest.SCHEMA_VERSION, experimentId, specJson, request.studentArm(), request.seed(), request.epochsDone(), stream,
            MAX_LEAD, memberStreams)))).get();
      }
      return teacher;
    } catch (Exception e) {
      teacher.close();
      throw new IllegalStateException("cannot request a teacher stream for " + request.studentArm() + " seed " + request.seed() + ": " + e, e);
    }
  }
}
