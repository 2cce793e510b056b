package dev.mentor.actors.kafka;

import dev.mentor.messages.tensor.TensorFrame;
import dev.mentor.messages.tensor.TensorFrameCodec;
import dev.mentor.messages.topic.Topics;
import dev.mentor.monitoring.TensorBusMeters;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Publishes one stream of tensor frames (a teacher's outputs for one student) on the tensor
 * topic, keyed by the stream's name so they stay in order on one partition, and applies
 * backpressure: {@link #publish} blocks while the producer is more than {@code maxLead} batches
 * ahead of what its consumer has acknowledged on the acks topic (a batch: its logits frame and
 * the stage frames after it, all of one epoch and batch index). Frames are sent asynchronously with lz4, a producer batch of 4 MiB
 * (a 128 × 32 × 14 × 14 float32 feature map, 3.1 MB, fits one) and no linger.
 */
public final class TensorPublisher implements AutoCloseable {
  private final String stream;
  private final int maxLead;
  private final Producer<String, byte[]> producer;
  private final Consumer<String, String> acks;
  private final Thread ackReader;
  private final Object lock = new Object();
  private volatile boolean running = true;
  private long sent;
  private long acknowledged;
  private long maxLeadSeen;
  private boolean ended;
  private long lastBatch = -1;
  private final AtomicReference<IllegalStateException> sendFailure = new AtomicReference<>();

  /** The compression frames are sent with, chosen from measurements (docs/benchmarks.md, "Tensor frames through the broker"). */
  public static final String COMPRESSION = "lz4";

  public TensorPublisher(Map<String, Object> clientProperties, String stream, int maxLead) {
    this(clientProperties, stream, maxLead, COMPRESSION);
  }

  /** As above, with another producer compression ({@code none}, {@code lz4}, {@code zstd}...): for the benchmark. */
  public TensorPublisher(Map<String, Object> clientProperties, String stream, int maxLead, String compression) {
    if (maxLead < 1) {
      throw new IllegalArgumentException("maxLead must be >= 1, got " + maxLead);
    }
    this.stream = stream;
    this.maxLead = maxLead;
    KafkaClients clients = new KafkaClients(clientProperties);
    this.producer = clients.with(Map.of(
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.COMPRESSION_TYPE_CONFIG, compression,
        ProducerConfig.LINGER_MS_CONFIG, 0,
        ProducerConfig.BATCH_SIZE_CONFIG, 4 << 20,
        ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 << 20)).producer(new StringSerializer(), new ByteArraySerializer());
    this.acks = clients.with(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, "mentor-acks-" + UUID.randomUUID(),
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)).consumer(new StringDeserializer(), new StringDeserializer());
    // Acknowledgements come after this stream's first frame: read them from the acks topic's end now, not its history.
    List<TopicPartition> partitions = acks.partitionsFor(Topics.TENSOR_ACKS).stream()
        .map(p -> new TopicPartition(Topics.TENSOR_ACKS, p.partition())).toList();
    this.acks.assign(partitions);
    this.acks.seekToEnd(partitions);
    partitions.forEach(this.acks::position);
    this.ackReader = new Thread(this::readAcks, "mentor-acks-" + stream);
    this.ackReader.start();
  }

  /**
   * Sends the next frame — the first frame of a batch first waiting while more than
   * {@code maxLead} batches are unacknowledged —; returns false, sending nothing, once the consumer said it needs no more.
   */
  public boolean publish(TensorFrame frame) throws InterruptedException {
    synchronized (lock) {
      // The lead counts batches: a batch's first frame opens it, its other frames follow without waiting.
      long position = ((long) frame.epoch() << 32) | (frame.batch() & 0xFFFFFFFFL);
      boolean opensBatch = position != lastBatch;
      long waitingSince = System.nanoTime();
      while (opensBatch && sent - acknowledged >= maxLead && !ended) {
        lock.wait(1000);
        if (!running) {
          throw new InterruptedException("publisher closed");
        }
        if (System.nanoTime() - waitingSince > IDLE_CONSUMER.toNanos()) {
          // The consumer stopped acknowledging without saying so (its process died): stop streaming.
          ended = true;
        }
      }
      if (ended) {
        return false;
      }
      if (opensBatch) {
        lastBatch = position;
        sent++;
        maxLeadSeen = Math.max(maxLeadSeen, sent - acknowledged);
        TensorBusMeters.process().lag(sent - acknowledged);
      }
    }
    failIfSendFailed();
    // Asynchronous: the bounded lead already limits what is in flight, and waiting for each
    // frame's broker acknowledgement would cost a round trip per batch (measured: 3× fewer logits frames/s).
    String what = frame.describe();
    byte[] encoded = TensorFrameCodec.encode(frame);
    producer.send(new ProducerRecord<>(Topics.TENSORS, stream, encoded), (metadata, error) -> {
      if (error != null) {
        sendFailure.compareAndSet(null, new IllegalStateException("cannot publish " + what + ": " + error.getMessage(), error));
      } else {
        TensorBusMeters.process().produced(frame.kind(), encoded.length);
      }
    });
    return true;
  }

  private void failIfSendFailed() {
    IllegalStateException failure = sendFailure.get();
    if (failure != null) {
      throw failure;
    }
  }

  /** Waits until every frame published so far is on the broker; throws if one could not be sent. */
  public void flush() {
    producer.flush();
    failIfSendFailed();
  }

  /** The largest number of frames that were published and not yet acknowledged at any time. */
  public long maxLeadSeen() {
    synchronized (lock) {
      return maxLeadSeen;
    }
  }

  private void readAcks() {
    int attempt = 0;
    try {
      while (running) {
        ConsumerRecords<String, String> records;
        try {
          records = acks.poll(Duration.ofMillis(200));
          attempt = 0;
        } catch (WakeupException e) {
          throw e;
        } catch (RuntimeException e) {
          if (Retries.fatal(e)) {
            throw e;
          }
          // The broker away or a transient error: poll again after a backoff; the publisher's idle bound still applies.
          Retries.sleep(Retries.backoff(attempt++));
          continue;
        }
        for (var record : records) {
          if (stream.equals(record.key())) {
            synchronized (lock) {
              if (Topics.ACK_END.equals(record.value())) {
                ended = true;
              } else {
                try {
                  acknowledged = Math.max(acknowledged, Long.parseLong(String.valueOf(record.value()).trim()));
                } catch (NumberFormatException e) {
                  System.err.println("mentor: ignoring an unreadable acknowledgement on " + Topics.TENSOR_ACKS + " for " + stream);
                }
              }
              lock.notifyAll();
            }
          }
        }
      }
    } catch (WakeupException e) {
      if (running) {
        throw e;
      }
    } finally {
      acks.close();
    }
  }

  /** A consumer silent this long while the publisher waits on it is taken as gone. */
  public static final Duration IDLE_CONSUMER = Duration.ofMinutes(2);

  /** Sends an acknowledgement: the consumer of {@code stream} has used {@code count} frames. */
  static ProducerRecord<String, String> ack(String stream, long count) {
    return new ProducerRecord<>(Topics.TENSOR_ACKS, stream, Long.toString(count));
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    synchronized (lock) {
      lock.notifyAll();
    }
    acks.wakeup();
    ackReader.join();
    producer.close();
  }
}
