package dev.mentor.actors.chaos;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * (e) Stalled HTTP clients: sockets to the metrics port that send half a request line
 * ({@code GET /health/li}) and hold it, while the health endpoints are polled: a client that
 * never finishes its request must not keep a liveness or readiness probe from its answer, or an
 * orchestrator restarts a healthy service (or never routes to it).
 */
public final class StalledClientScenario {
  /** How many stalled connections, how long they are held, how often each endpoint is polled, and the longest an answer may take. */
  public record Size(int stalledClients, Duration hold, Duration pollInterval, Duration answerBound) {
    public static Size ci() {
      return new Size(1, Duration.ofSeconds(15), Duration.ofMillis(200), Duration.ofSeconds(1));
    }

    public static Size full() {
      return new Size(8, Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(1));
    }
  }

  private static final List<String> PATHS = List.of("/health/live", "/health/ready");

  private StalledClientScenario() {}

  public static ScenarioResult run(Path work, Size size) {
    ScenarioResult.Findings findings = new ScenarioResult.Findings("e: stalled HTTP client");
    findings.fact("stalled connections", size.stalledClients() + " × \"GET /health/li\" (no line end), held " + size.hold().toSeconds() + " s");
    findings.fact("polls", "/health/live and /health/ready every " + size.pollInterval().toMillis() + " ms, answer bound "
        + size.answerBound().toMillis() + " ms");
    try (ChaosRig rig = ChaosRig.start(work, findings)) {
      findings.step("starting mentor serve");
      ServeProcess serve = rig.startServe(null, 1);
      int port = serve.metricsPort();
      findings.step("baseline health before the stall");
      HealthProbe.Answer live = HealthProbe.await(port, "/health/live", 200, Duration.ofSeconds(10));
      HealthProbe.Answer ready = HealthProbe.await(port, "/health/ready", 200, Duration.ofSeconds(30));
      boolean baseline = findings.check("health endpoints answer before the stall", "live 200, ready 200", "live " + live + ", ready " + ready,
          live.status() == 200 && ready.status() == 200);
      if (!baseline) {
        return findings.result();
      }
      findings.step("holding stalled connections while polling");
      List<Socket> stalled = new ArrayList<>();
      Map<String, List<HealthProbe.Answer>> answers = new TreeMap<>();
      double firstMiss = -1;
      try {
        for (int i = 0; i < size.stalledClients(); i++) {
          Socket socket = new Socket("127.0.0.1", port);
          OutputStream out = socket.getOutputStream();
          out.write("GET /health/li".getBytes(StandardCharsets.US_ASCII));
          out.flush();
          stalled.add(socket);
        }
        long start = System.nanoTime();
        long next = start;
        while (System.nanoTime() - start < size.hold().toNanos()) {
          for (String path : PATHS) {
            HealthProbe.Answer answer = HealthProbe.get(port, path, size.answerBound());
            answers.computeIfAbsent(path, p -> new ArrayList<>()).add(answer);
            if (!answeredInTime(answer, size) && firstMiss < 0) {
              firstMiss = (System.nanoTime() - start) / 1e9;
            }
          }
          next += size.pollInterval().toNanos();
          long wait = next - System.nanoTime();
          if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
          }
        }
      } finally {
        for (Socket socket : stalled) {
          socket.close();
        }
      }
      List<HealthProbe.Answer> all = answers.values().stream().flatMap(List::stream).toList();
      long inTime = all.stream().filter(a -> answeredInTime(a, size)).count();
      double slowest = all.stream().mapToDouble(HealthProbe.Answer::seconds).max().orElse(0);
      StringBuilder perPath = new StringBuilder();
      answers.forEach((path, list) -> perPath.append(path).append(' ').append(list.stream().filter(a -> answeredInTime(a, size)).count()).append('/')
          .append(list.size()).append(" (statuses ").append(list.stream().map(HealthProbe.Answer::toString).distinct().toList()).append("); "));
      findings.fact("polls made", all.size());
      findings.check("every poll answered within " + size.answerBound().toMillis() + " ms while clients stall",
          all.size() + " of " + all.size(), String.format(Locale.ROOT, "%d of %d; %sslowest %.2f s%s", inTime, all.size(), perPath, slowest,
              firstMiss < 0 ? "" : String.format(Locale.ROOT, "; first miss %.1f s into the stall", firstMiss)),
          inTime == all.size() && !all.isEmpty());
      findings.step("health after the stalled connections closed");
      HealthProbe.Answer after = HealthProbe.await(port, "/health/live", 200, Duration.ofSeconds(10));
      findings.fact("/health/live after the stalled connections closed", after + String.format(Locale.ROOT, " in %.2f s", after.seconds()));
      findings.check("mentor serve alive", "alive", serve.isAlive() ? "alive" : "exited with " + serve.exitStatus(), serve.isAlive());
    } catch (Exception e) {
      findings.aborted(e);
    }
    return findings.result();
  }

  private static boolean answeredInTime(HealthProbe.Answer answer, Size size) {
    return answer.status() > 0 && answer.seconds() <= size.answerBound().toMillis() / 1000.0;
  }
}
