package dev.mentor.actors.kafka;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The one place Mentor's Kafka producers, consumers and admin clients are built: from the client
 * config a process was given (bootstrap servers, security, timeouts from a client properties
 * file), with each client's own settings laid over it where it is built, in words:
 * {@code clients.with(Map.of(ACKS_CONFIG, "all")).producer(...)}. Immutable; {@code with},
 * {@code withDefaults} and {@code without} return a new factory.
 */
public final class KafkaClients {
  private final Map<String, Object> config;

  public KafkaClients(Map<String, ?> config) {
    this.config = Collections.unmodifiableMap(new HashMap<>(config));
  }

  /** Clients of the broker at {@code bootstrapServers} with Kafka's defaults otherwise. */
  public static KafkaClients of(String bootstrapServers) {
    return new KafkaClients(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
  }

  /** The client config (unmodifiable). */
  public Map<String, Object> config() {
    return config;
  }

  /** These settings in place of the config's own. */
  public KafkaClients with(Map<String, ?> overrides) {
    Map<String, Object> merged = new HashMap<>(config);
    merged.putAll(overrides);
    return new KafkaClients(merged);
  }

  /** These settings where the config has none (the config, such as a user's properties file, wins). */
  public KafkaClients withDefaults(Map<String, ?> defaults) {
    Map<String, Object> merged = new HashMap<>(defaults);
    merged.putAll(config);
    return new KafkaClients(merged);
  }

  /** The config without {@code key}: Kafka's default applies. */
  public KafkaClients without(String key) {
    Map<String, Object> less = new HashMap<>(config);
    less.remove(key);
    return new KafkaClients(less);
  }

  public <K, V> Producer<K, V> producer(Serializer<K> keys, Serializer<V> values) {
    return new KafkaProducer<>(config, keys, values);
  }

  public <K, V> Consumer<K, V> consumer(Deserializer<K> keys, Deserializer<V> values) {
    return new KafkaConsumer<>(config, keys, values);
  }

  public Admin admin() {
    return Admin.create(config);
  }
}
