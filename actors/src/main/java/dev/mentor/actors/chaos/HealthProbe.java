package dev.mentor.actors.chaos;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** GET requests to a service's metrics endpoint ({@code /health/live}, {@code /health/ready}) with a bound on the answer's time. */
final class HealthProbe {
  private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();

  private HealthProbe() {}

  /** An answer's status ({@code -1}: none within the time allowed, or the connection failed) and how long it took. */
  record Answer(int status, double seconds, String error) {
    @Override
    public String toString() {
      return status < 0 ? "no answer (" + error + ")" : String.valueOf(status);
    }
  }

  static Answer get(int port, String path, Duration timeout) {
    long start = System.nanoTime();
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(timeout).GET().build();
      int status = CLIENT.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      return new Answer(status, (System.nanoTime() - start) / 1e9, null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, (System.nanoTime() - start) / 1e9, "interrupted");
    } catch (Exception e) {
      return new Answer(-1, (System.nanoTime() - start) / 1e9, e.getClass().getSimpleName());
    }
  }

  /** Asks every 200 ms until {@code path} answers {@code status}; the last answer, after at most {@code within}. */
  static Answer await(int port, String path, int status, Duration within) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (true) {
      Answer answer = get(port, path, Duration.ofSeconds(2));
      if (answer.status() == status || System.nanoTime() > deadline) {
        return answer;
      }
      Thread.sleep(200);
    }
  }
}
