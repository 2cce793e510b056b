package dev.mentor.actors.cli;

import dev.mentor.actors.kafka.EmbeddedKafka;
import dev.mentor.actors.kafka.KafkaClients;
import dev.mentor.actors.kafka.KafkaRemoteTeacher;
import dev.mentor.actors.kafka.MentorTopics;
import dev.mentor.actors.kafka.TensorPublisher;
import dev.mentor.messages.tensor.TensorFrame;
import dev.mentor.messages.tensor.TensorFrameCodec;
import dev.mentor.training.files.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Tensor frames through a real broker, end to end as a teacher stream runs them: a {@link
 * TensorPublisher} (backpressure: at most 8 frames ahead) sends frames that a {@link
 * KafkaRemoteTeacher} reads, checks for alignment and acknowledges, on an embedded broker. Frames
 * hold logits (batch × classes) or a feature map (batch × channels × h × w) of values drawn like
 * network outputs (Gaussian), in float32 or float16, and go out with each producer compression.
 * Prints frames/s and payload MB/s per case, after an untimed warm-up.
 */
@Command(name = "bench-tensors", description = "Tensor-frame throughput through the broker: logits and feature maps, float32/16, per compression (prints a table).")
final class TensorBenchmark implements Callable<Integer> {
  @Option(names = "--seconds", defaultValue = "5", description = "measured time per case (default: ${DEFAULT-VALUE})")
  double seconds;

  @Option(names = "--compressions", split = ",", defaultValue = "none,lz4,zstd")
  List<String> compressions;

  private record Case(String name, long[] shape, TensorFrame.DType dtype) {}

  private static final List<Case> CASES = List.of(
      new Case("logits 128×10", new long[] {128, 1, 10}, TensorFrame.DType.FLOAT32),
      new Case("feature map 128×32×14×14", new long[] {128, 32, 14, 14}, TensorFrame.DType.FLOAT32),
      new Case("feature map 128×32×14×14", new long[] {128, 32, 14, 14}, TensorFrame.DType.FLOAT16));

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("mentor-tensor-bench-");
    try (EmbeddedKafka kafka = EmbeddedKafka.start(dir)) {
      Map<String, Object> client = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
      try (Admin admin = new KafkaClients(client).admin()) {
        MentorTopics.ensure(admin, (short) 1);
      }
      System.out.println("## Tensor frames through the broker (embedded, loopback; publisher at most 8 frames ahead of the consumer)");
      System.out.println("| frame | dtype | payload KB | encoded KB | compression | frames/s | payload MB/s |");
      System.out.println("|---|---|---|---|---|---|---|");
      int stream = 0;
      measure(client, CASES.get(0), "lz4", "warm-up", 1);
      for (Case c : CASES) {
        TensorFrame sample = frame(c, 0, 0);
        int payload = (int) (sample.values().length * (long) c.dtype().bytes());
        for (String compression : compressions) {
          double[] result = measure(client, c, compression, "bench-" + stream++, seconds);
          System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %s | %.0f | %.1f |%n", c.name(), c.dtype().name().toLowerCase(Locale.ROOT),
              payload / 1024.0, TensorFrameCodec.encode(sample).length / 1024.0, compression, result[0], result[0] * payload / 1e6);
        }
      }
    } finally {
      AtomicFiles.deleteTree(dir);
    }
    return 0;
  }

  private static TensorFrame frame(Case c, int epoch, int batch) {
    int n = 1;
    for (long d : c.shape()) {
      n *= (int) d;
    }
    SplittableRandom random = new SplittableRandom(batch);
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      values[i] = (float) (random.nextDouble() * 2 - 1 + random.nextDouble() * 2 - 1);
    }
    long[] ids = new long[(int) c.shape()[0]];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (long) batch * ids.length + i;
    }
    boolean logits = c.shape().length == 3;
    return new TensorFrame("bench", "teacher", "teacher", logits ? "logits" : "features", epoch, batch, ids, c.dtype(), c.shape(), values,
        logits ? "logits" : "stage2");
  }

  /** Frames per second over {@code seconds}, publisher and consumer running at the same time. */
  private static double[] measure(Map<String, Object> client, Case c, String compression, String stream, double seconds) throws Exception {
    List<TensorFrame> frames = new ArrayList<>();
    for (int b = 0; b < 16; b++) {
      frames.add(frame(c, 1, b));
    }
    try (TensorPublisher publisher = new TensorPublisher(client, stream, 8, compression);
        KafkaRemoteTeacher consumer = new KafkaRemoteTeacher(client, stream, Duration.ofSeconds(60))) {
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      AtomicInteger sent = new AtomicInteger();
      CompletableFuture<Void> producing = CompletableFuture.runAsync(() -> {
        try {
          while (System.nanoTime() < deadline) {
            int b = sent.get();
            TensorFrame f = frames.get(b % frames.size());
            publisher.publish(new TensorFrame(f.experiment(), f.arm(), f.role(), f.kind(), 1, b, f.sampleIds(), f.dtype(), f.shape(), f.values(),
                f.name()));
            sent.incrementAndGet();
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      long start = System.nanoTime();
      int received = 0;
      while (!producing.isDone() || received < sent.get()) {
        TensorFrame expected = frames.get(received % frames.size());
        consumer.frame(1, received, expected.name(), expected.sampleIds());
        consumer.consumed(1, received);
        received++;
      }
      double elapsed = (System.nanoTime() - start) / 1e9;
      producing.get();
      return new double[] {received / elapsed};
    }
  }
}
