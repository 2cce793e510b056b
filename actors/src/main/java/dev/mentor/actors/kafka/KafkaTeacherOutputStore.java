package dev.mentor.actors.kafka;

import dev.mentor.messages.tensor.TensorFrame;
import dev.mentor.messages.tensor.TensorFrameCodec;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.TensorBusMeters;
import dev.mentor.training.distill.TeacherOutputStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Teachers' logits on the compacted teacher-outputs topic. A teacher view's logits go out in
 * chunks of {@value #CHUNK} samples, each a tensor frame (kind {@code logits}, sample ids,
 * samples × floats) under the record key {@code <digest>/<chunk>}, then a manifest
 * {@code <digest>/manifest} naming the chunk count; a reader trusts a set only through its
 * manifest, so a writer that died half-way leaves nothing readable. Every record of one digest
 * goes to one partition (chosen from the digest), and compaction keeps the latest of each key, so
 * the topic holds each teacher view once however often it is saved.
 */
public final class KafkaTeacherOutputStore implements TeacherOutputStore {
  /** Samples per record: 4,096 samples of 10 classes are 160 KB before lz4. */
  public static final int CHUNK = 4096;

  private final Map<String, Object> clientProperties;

  public KafkaTeacherOutputStore(Map<String, Object> clientProperties) {
    this.clientProperties = Map.copyOf(clientProperties);
  }

  /** The digest that names a store key on the topic (keys are long: model, data and task specs). */
  static String digest(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static int partition(String digest, int partitions) {
    return Integer.parseInt(digest.substring(0, 6), 16) % partitions;
  }

  @Override
  public Map<Long, float[]> load(String key, int floatsPerSample) {
    String digest = digest(key);
    KafkaClients clients = new KafkaClients(clientProperties).with(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, "mentor-teacher-outputs-" + UUID.randomUUID(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
        ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 << 20));
    Map<String, byte[]> latest = new HashMap<>();
    try (Consumer<String, byte[]> consumer = clients.consumer(new StringDeserializer(), new ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(Topics.TEACHER_OUTPUTS, partition(digest, consumer.partitionsFor(Topics.TEACHER_OUTPUTS).size()));
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      while (consumer.position(tp) < end) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
          if (record.key() != null && record.key().startsWith(digest + "/")) {
            latest.put(record.key(), record.value());
          }
        }
      }
    }
    byte[] manifest = latest.get(digest + "/manifest");
    Map<Long, float[]> logits = new HashMap<>();
    if (manifest == null) {
      return logits;
    }
    int chunks = Integer.parseInt(new String(manifest, StandardCharsets.UTF_8));
    for (int c = 0; c < chunks; c++) {
      byte[] value = latest.get(digest + "/" + c);
      if (value == null) {
        return new HashMap<>();
      }
      TensorFrame frame = TensorFrameCodec.decode(value);
      TensorBusMeters.process().consumed(frame.kind(), value.length);
      if (frame.shape()[1] != floatsPerSample) {
        throw new IllegalStateException("stored teacher logits have " + frame.shape()[1] + " floats per sample, expected " + floatsPerSample);
      }
      float[] values = frame.values();
      long[] ids = frame.sampleIds();
      for (int i = 0; i < ids.length; i++) {
        logits.put(ids[i], Arrays.copyOfRange(values, i * floatsPerSample, (i + 1) * floatsPerSample));
      }
    }
    return logits;
  }

  @Override
  public void save(String key, Map<Long, float[]> logits, int floatsPerSample) {
    String digest = digest(key);
    List<Long> ids = new ArrayList<>(logits.keySet());
    ids.sort(null);
    KafkaClients clients = new KafkaClients(clientProperties).with(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20));
    try (Producer<String, byte[]> producer = clients.producer(new StringSerializer(), new ByteArraySerializer())) {
      int partition = partition(digest, producer.partitionsFor(Topics.TEACHER_OUTPUTS).size());
      int chunks = (ids.size() + CHUNK - 1) / CHUNK;
      for (int c = 0; c < chunks; c++) {
        List<Long> part = ids.subList(c * CHUNK, Math.min(ids.size(), (c + 1) * CHUNK));
        long[] sampleIds = part.stream().mapToLong(Long::longValue).toArray();
        float[] values = new float[sampleIds.length * floatsPerSample];
        for (int i = 0; i < sampleIds.length; i++) {
          System.arraycopy(logits.get(sampleIds[i]), 0, values, i * floatsPerSample, floatsPerSample);
        }
        TensorFrame frame = new TensorFrame("store", "teacher", "teacher", "logits", 0, c, sampleIds, TensorFrame.DType.FLOAT32,
            new long[] {sampleIds.length, floatsPerSample}, values);
        byte[] encoded = TensorFrameCodec.encode(frame);
        producer.send(new ProducerRecord<>(Topics.TEACHER_OUTPUTS, partition, digest + "/" + c, encoded));
        TensorBusMeters.process().produced(frame.kind(), encoded.length);
      }
      producer.flush();
      producer.send(new ProducerRecord<>(Topics.TEACHER_OUTPUTS, partition, digest + "/manifest",
          Integer.toString(chunks).getBytes(StandardCharsets.UTF_8))).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot store teacher logits: " + e.getCause().getMessage(), e.getCause());
    }
  }
}
