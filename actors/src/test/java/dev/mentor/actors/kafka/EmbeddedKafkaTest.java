package dev.mentor.actors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mentor.messages.topic.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker is a real Kafka broker: Mentor's topics are created on it and records round-trip through it. */
class EmbeddedKafkaTest {
  @TempDir static Path state;
  private static EmbeddedKafka kafka;
  private static Admin admin;

  @BeforeAll
  static void startBroker() throws Exception {
    kafka = EmbeddedKafka.start(state);
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
    MentorTopics.ensure(admin, (short) 1);
  }

  @AfterAll
  static void stopBroker() {
    if (admin != null) {
      admin.close();
    }
    if (kafka != null) {
      kafka.close();
    }
  }

  @Test
  void mentorsTopicsExistWithTheirSettings() throws Exception {
    assertThat(admin.listTopics().names().get()).containsAll(MentorTopics.names());
    Map<String, TopicDescription> described = admin.describeTopics(List.of(Topics.TENSORS, Topics.JOBS)).allTopicNames().get();
    assertThat(described.get(Topics.TENSORS).partitions()).hasSize(4);
    assertThat(described.get(Topics.JOBS).partitions()).hasSize(Topics.JOB_PARTITIONS);
    ConfigResource teacherOutputs = new ConfigResource(ConfigResource.Type.TOPIC, Topics.TEACHER_OUTPUTS);
    String policy = admin.describeConfigs(List.of(teacherOutputs)).all().get().get(teacherOutputs)
        .get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
    assertThat(policy).isEqualTo(TopicConfig.CLEANUP_POLICY_COMPACT);
  }

  @Test
  void ensuringTopicsTwiceChangesNothing() throws Exception {
    MentorTopics.ensure(admin, (short) 1);
    assertThat(admin.listTopics().names().get()).containsAll(MentorTopics.names());
  }

  @Test
  void aRecordRoundTripsThroughTheBroker() {
    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    producerProps.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(Topics.JOBS, "exp-1", "{\"name\": \"exp-1\"}")).get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-test");
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    List<ConsumerRecord<String, String>> received = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(Topics.JOBS));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (received.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(received::add);
      }
    }
    assertThat(received).hasSize(1);
    assertThat(received.get(0).key()).isEqualTo("exp-1");
    assertThat(received.get(0).value()).isEqualTo("{\"name\": \"exp-1\"}");
  }

  @Test
  void aFeatureMapSizedRecordFitsTheTensorTopic() throws Exception {
    byte[] frame = new byte[2 * 1024 * 1024];
    frame[frame.length - 1] = 42;
    Properties producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    producerProps.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, String.valueOf(16 * 1024 * 1024));
    producerProps.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(Topics.TENSORS, 0, "k".getBytes(StandardCharsets.UTF_8), frame)).get();
    }
    Properties consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
    consumerProps.put(ConsumerConfig.GROUP_ID_CONFIG, "embedded-kafka-tensor-test");
    consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerProps.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, String.valueOf(16 * 1024 * 1024));
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.assign(List.of(new org.apache.kafka.common.TopicPartition(Topics.TENSORS, 0)));
      consumer.seekToBeginning(consumer.assignment());
      byte[] got = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (got == null && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          got = r.value();
        }
      }
      assertThat(got).hasSize(frame.length);
      assertThat(got[frame.length - 1]).isEqualTo((byte) 42);
    }
  }
}
