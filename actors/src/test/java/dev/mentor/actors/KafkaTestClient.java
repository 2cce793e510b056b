package dev.mentor.actors;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** What the service tests do as a Kafka client: submit jobs, follow status events, read results. */
record KafkaTestClient(String bootstrapServers) {
  void submit(String id, String text) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(Topics.JOBS, id, text)).get();
    }
  }

  void send(String topic, String key, String value) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
  }

  private KafkaConsumer<String, String> consumer(String topic) {
    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-reader-" + System.nanoTime());
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
    consumer.subscribe(List.of(topic));
    return consumer;
  }

  /**
   * Reads {@code topic} from the beginning for records of {@code id} until one has a kind in
   * {@code last} or, when {@code finalMessage} is given, a message containing it.
   */
  List<JsonNode> follow(String topic, String id, List<String> last, String finalMessage) throws Exception {
    return followUntil(topic, id, node -> last.contains(node.path("kind").asText())
        || (finalMessage != null && node.path("message").asText().contains(finalMessage)), last.toString());
  }

  /** Reads {@code topic} from the beginning for records of {@code id} until one matches {@code end}. */
  List<JsonNode> followUntil(String topic, String id, java.util.function.Predicate<JsonNode> end, String what) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(topic)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (id.equals(r.key())) {
            JsonNode node = SpecReader.json().readTree(r.value());
            events.add(node);
            if (end.test(node)) {
              return events;
            }
          }
        }
      }
    }
    throw new AssertionError("no " + what + " event for " + id + " within 120 s; saw " + events.stream().map(e -> e.path("kind").asText()).toList());
  }

  /** Every record of {@code id} on {@code topic} up to the topic's end at the time of the call. */
  List<JsonNode> readAll(String topic, String id) throws Exception {
    List<JsonNode> events = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(topic)) {
      consumer.unsubscribe();
      List<org.apache.kafka.common.TopicPartition> partitions = consumer.partitionsFor(topic).stream()
          .map(p -> new org.apache.kafka.common.TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      java.util.Map<org.apache.kafka.common.TopicPartition, Long> end = consumer.endOffsets(partitions);
      while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (id.equals(r.key())) {
            events.add(SpecReader.json().readTree(r.value()));
          }
        }
      }
    }
    return events;
  }

  /** The run records of {@code id} on the results topic (waits for {@code expected} of them, at most 30 s). */
  List<JsonNode> records(String id, int expected) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = consumer(Topics.RESULTS)) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(200))) {
          if (id.equals(r.key())) {
            out.add(SpecReader.json().readTree(r.value()));
          }
        }
      }
    }
    return out;
  }
}
