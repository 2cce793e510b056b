package dev.mentor.actors.kafka;

import dev.mentor.actors.StatusSink;
import dev.mentor.messages.job.StatusEvent;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.SpecReader;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes status events and run records as JSON on their topics, keyed by experiment id (one
 * partition per key keeps an experiment's events in order). The producer is thread-safe, so
 * trainers on the blocking dispatcher publish directly.
 */
public final class KafkaStatusSink implements StatusSink, AutoCloseable {
  private final Producer<String, String> producer;

  public KafkaStatusSink(Map<String, Object> clientProperties) {
    Map<String, Object> props = new HashMap<>(clientProperties);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    this.producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  @Override
  public void status(StatusEvent event) {
    producer.send(new ProducerRecord<>(MentorTopics.STATUS, event.experimentId(), SpecReader.toJson(event)));
  }

  @Override
  public void result(String experimentId, RunRecord record) {
    producer.send(new ProducerRecord<>(MentorTopics.RESULTS, experimentId, SpecReader.toJson(record)));
  }

  @Override
  public void close() {
    producer.close();
  }
}
