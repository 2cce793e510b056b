package dev.mentor.monitoring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The HTTP endpoint of a Mentor process: {@code /metrics} (Prometheus text format from the
 * registry), {@code /health/live} (the process answers) and {@code /health/ready} (200 while
 * {@code ready} says the broker is reachable and the actor system is up, else 503).
 */
public final class MetricsServer implements AutoCloseable {
  private final HttpServer server;

  private final AtomicLong scrapes;

  private MetricsServer(HttpServer server, AtomicLong scrapes) {
    this.server = server;
    this.scrapes = scrapes;
  }

  /** Starts serving on {@code bind}:{@code port} ({@code port} 0: any free port). */
  public static MetricsServer start(String bind, int port, PrometheusMeterRegistry registry, BooleanSupplier ready) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(bind, port), 0);
    AtomicLong scrapes = new AtomicLong();
    server.createContext("/metrics", exchange -> {
      respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", registry.scrape());
      synchronized (scrapes) {
        scrapes.incrementAndGet();
        scrapes.notifyAll();
      }
    });
    server.createContext("/health/live", exchange -> respond(exchange, 200, "text/plain", "live\n"));
    server.createContext("/health/ready", exchange -> {
      boolean ok = ready.getAsBoolean();
      respond(exchange, ok ? 200 : 503, "text/plain", ok ? "ready\n" : "not ready\n");
    });
    server.setExecutor(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "mentor-metrics-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return new MetricsServer(server, scrapes);
  }

  /**
   * Waits until the endpoint has been scraped once more after this call, at most {@code timeout};
   * returns whether it was. A short-lived process calls it before it exits, so that the
   * scraper holds its final values (last epoch, ensemble uncertainty).
   */
  public boolean awaitNextScrape(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (scrapes) {
      long seen = scrapes.get();
      while (scrapes.get() == seen) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(scrapes, left);
      }
      return true;
    }
  }

  /** How many times {@code /metrics} was scraped. */
  public long scrapes() {
    return scrapes.get();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
