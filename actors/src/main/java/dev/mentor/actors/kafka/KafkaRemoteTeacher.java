package dev.mentor.actors.kafka;

import dev.mentor.messages.tensor.TensorFrame;
import dev.mentor.messages.tensor.TensorFrameCodec;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.TensorBusMeters;
import dev.mentor.training.distill.RemoteTeacher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;

/**
 * A student's teacher over Kafka: reads the stream of logits frames a {@link TensorPublisher}
 * sends for this student, hands the frame of each (epoch, batch) to the distillation loss after
 * checking that it holds exactly the student's samples in the student's order, and acknowledges
 * each batch used, so the publisher runs at most its bounded lead ahead. Called from the
 * training thread only.
 */
public final class KafkaRemoteTeacher implements RemoteTeacher {
  private final String stream;
  private final Consumer<String, byte[]> consumer;
  private final Producer<String, String> acks;
  /** Frames read ahead, by (epoch, batch) and then tensor name ("logits" or a stage). */
  private final Map<Long, Map<String, TensorFrame>> buffered = new HashMap<>();
  private final Duration timeout;
  private long used;
  private final int memberStreams;

  public KafkaRemoteTeacher(Map<String, Object> clientProperties, String stream, Duration timeout) {
    this(clientProperties, stream, timeout, 0);
  }

  /**
   * {@code memberStreams} > 0: the teacher is an ensemble whose members publish their own logits
   * frames ({@code member-0}, {@code member-1}, ...) side by side; {@link #memberLogits} waits for
   * every member's frame of the batch. 0: one {@code logits} frame holds all members.
   */
  public KafkaRemoteTeacher(Map<String, Object> clientProperties, String stream, Duration timeout, int memberStreams) {
    this.memberStreams = memberStreams;
    this.stream = stream;
    this.timeout = timeout;
    KafkaClients clients = new KafkaClients(clientProperties);
    this.consumer = clients.with(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, "mentor-student-" + UUID.randomUUID(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20)).consumer(new StringDeserializer(), new ByteArrayDeserializer());
    // Read only the stream's partition (where its key's records go), from its end now: frames are
    // published after this point, and the topic's older frames belong to other streams.
    int partitions = consumer.partitionsFor(Topics.TENSORS).size();
    TopicPartition partition = new TopicPartition(Topics.TENSORS,
        Utils.toPositive(Utils.murmur2(
            stream.getBytes(StandardCharsets.UTF_8))) % partitions);
    this.consumer.assign(List.of(partition));
    this.consumer.seekToEnd(List.of(partition));
    this.consumer.position(partition);
    this.acks = clients.with(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0)).producer(new StringSerializer(), new StringSerializer());
  }

  private static long position(int epoch, int batch) {
    return ((long) epoch << 32) | batch;
  }

  /** The logits frame of batch {@code batch} of {@code epoch}, waiting for it; throws unless it holds exactly {@code sampleIds}. */
  public TensorFrame frame(int epoch, int batch, long[] sampleIds) {
    return frame(epoch, batch, Topics.LOGITS_FRAME, sampleIds);
  }

  /** The frame named {@code name} of batch {@code batch} of {@code epoch}, waiting for it; throws unless it holds exactly {@code sampleIds}. */
  public TensorFrame frame(int epoch, int batch, String name, long[] sampleIds) {
    long key = position(epoch, batch);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!buffered.getOrDefault(key, Map.of()).containsKey(name)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("no teacher frame " + name + " for epoch " + epoch + " batch " + batch + " on stream " + stream + " within "
            + timeout.toSeconds() + " s");
      }
      for (var record : consumer.poll(Duration.ofMillis(100))) {
        if (stream.equals(record.key())) {
          TensorFrame frame = TensorFrameCodec.decode(record.value());
          TensorBusMeters.process().consumed(frame.kind(), record.value().length);
          buffered.computeIfAbsent(position(frame.epoch(), frame.batch()), k -> new HashMap<>()).put(frame.name(), frame);
        }
      }
    }
    TensorFrame frame = buffered.get(key).remove(name);
    frame.requireAligned(sampleIds);
    return frame;
  }

  @Override
  public float[] memberLogits(int epoch, int batch, long[] sampleIds) {
    if (memberStreams > 0) {
      // The ensemble's average is taken by the loss once every member's frame of the batch is here:
      // each member's frame (samples × 1 × classes) fills its slot of every sample's row.
      float[][] members = new float[memberStreams][];
      for (int m = 0; m < memberStreams; m++) {
        members[m] = frame(epoch, batch, Topics.memberFrame(m), sampleIds).values();
        if (members[m].length != members[0].length) {
          throw new IllegalStateException("member " + m + " sent " + members[m].length + " logits for epoch " + epoch + " batch " + batch
              + ", member 0 sent " + members[0].length);
        }
      }
      int classes = members[0].length / sampleIds.length;
      float[] sampleMajor = new float[sampleIds.length * memberStreams * classes];
      for (int s = 0; s < sampleIds.length; s++) {
        for (int m = 0; m < memberStreams; m++) {
          System.arraycopy(members[m], s * classes, sampleMajor, (s * memberStreams + m) * classes, classes);
        }
      }
      return sampleMajor;
    }
    // Frames are sample-major (samples × members × classes), the layout the loss reads.
    return frame(epoch, batch, sampleIds).values();
  }

  @Override
  public Map<String, Stage> stages(int epoch, int batch, long[] sampleIds, Set<String> stages) {
    Map<String, Stage> out = new HashMap<>();
    for (String stage : stages) {
      TensorFrame frame = frame(epoch, batch, stage, sampleIds);
      out.put(stage, new Stage(frame.values(), frame.shape()));
    }
    return out;
  }

  @Override
  public void consumed(int epoch, int batch) {
    // Stages this phase's loss did not read (the stream sends every stage any phase needs) go too.
    buffered.remove(position(epoch, batch));
    used++;
    acks.send(TensorPublisher.ack(stream, used));
  }

  /** Tells the publisher no more frames are needed (the student finished, stopped early or failed), then closes. */
  @Override
  public void close() {
    try {
      acks.send(new ProducerRecord<>(Topics.TENSOR_ACKS, stream, Topics.ACK_END));
    } finally {
      consumer.close();
      acks.close();
    }
  }
}
