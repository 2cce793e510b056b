package dev.mentor.monitoring;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The HTTP endpoint of a Mentor process: {@code /metrics} (Prometheus text format from the
 * registry), {@code /health/live} (the process answers) and {@code /health/ready} (200 while
 * {@code ready} says the broker is reachable and the actor system is up, else 503).
 *
 * <p>Liveness must answer while other clients misbehave, so every resource a client can hold is
 * bounded (Jetty, non-blocking until a request is complete, so a half-sent request holds a
 * connection but no thread):
 * <ul>
 *   <li>{@link #IDLE_TIMEOUT}: a connection on which nothing moves, in either direction, for this
 *       long is closed: a client that sends half a request and waits, or that stops reading its
 *       response. The timeout runs between bytes, so it is {@link #MAX_CONNECTIONS} that bounds
 *       clients that trickle a request byte by byte.</li>
 *   <li>{@link #MAX_REQUEST_HEAD_BYTES}: request line and headers together; a longer one is
 *       answered 414 or 431 and the connection closed.</li>
 *   <li>No request body: every endpoint is a {@code GET}; a request that announces a body is
 *       answered 413 and the connection closed, a method other than GET or HEAD 405.</li>
 *   <li>{@link #MAX_CONNECTIONS}: at the limit the server stops accepting (new connections wait in
 *       the kernel's backlog) and open connections get {@link #IDLE_TIMEOUT_AT_LIMIT} instead.</li>
 *   <li>{@link #MAX_THREADS} threads, acceptor and selector included. Requests waiting for a
 *       thread are bounded by {@link #MAX_CONNECTIONS}, as an HTTP/1.1 connection carries one
 *       request at a time; the pool's own task queue stays unbounded, as Jetty requires (a
 *       rejected internal task would leave a connection half closed).</li>
 * </ul>
 * The threads are daemons and {@link #close()} stops them all.
 */
public final class MetricsServer implements AutoCloseable {
  /** A connection idle (no byte read or written) for this long is closed. */
  public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);

  /** The idle timeout of open connections while {@link #MAX_CONNECTIONS} are open. */
  public static final Duration IDLE_TIMEOUT_AT_LIMIT = Duration.ofSeconds(1);

  /** The most bytes of request line and headers a request may have. */
  public static final int MAX_REQUEST_HEAD_BYTES = 8 * 1024;

  /** The most connections open at once, and so of requests in progress or waiting for a thread; more wait in the kernel's accept backlog. */
  public static final int MAX_CONNECTIONS = 64;

  /** The server's threads, one acceptor and one selector among them. */
  public static final int MAX_THREADS = 8;

  private static final String THREAD_NAME = "mentor-metrics-http";

  /** How long {@link #close()} waits for a handler (a slow readiness check) before it interrupts it. */
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(2);

  private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

  private static final String PLAIN_TEXT = "text/plain";

  private final Server server;

  private final ServerConnector connector;

  private final AtomicLong scrapes;

  private MetricsServer(Server server, ServerConnector connector, AtomicLong scrapes) {
    this.server = server;
    this.connector = connector;
    this.scrapes = scrapes;
  }

  /** Starts serving on {@code bind}:{@code port} ({@code port} 0: any free port). */
  public static MetricsServer start(String bind, int port, PrometheusMeterRegistry registry, BooleanSupplier ready) throws IOException {
    QueuedThreadPool threads = new QueuedThreadPool(MAX_THREADS, 2);
    threads.setName(THREAD_NAME);
    threads.setDaemon(true);
    threads.setStopTimeout(STOP_TIMEOUT.toMillis());
    Server server = new Server(threads, new ScheduledExecutorScheduler(THREAD_NAME + "-scheduler", true), null);
    server.setStopTimeout(STOP_TIMEOUT.toMillis());

    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_REQUEST_HEAD_BYTES);
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(bind);
    connector.setPort(port);
    connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
    server.addConnector(connector);
    NetworkConnectionLimit connections = new NetworkConnectionLimit(MAX_CONNECTIONS, connector);
    connections.setEndPointIdleTimeout(IDLE_TIMEOUT_AT_LIMIT.toMillis());
    server.addBean(connections);

    ErrorHandler errors = new ErrorHandler();
    errors.setShowStacks(false);
    errors.setShowCauses(false);
    errors.setShowMessageInTitle(false);
    errors.setDefaultResponseMimeType(PLAIN_TEXT);
    server.setErrorHandler(errors);

    AtomicLong scrapes = new AtomicLong();
    server.setHandler(new Endpoints(registry, ready, scrapes));
    try {
      server.start();
    } catch (Exception e) {
      stop(server);
      throw e instanceof IOException io ? io : new IOException("metrics endpoint on " + bind + ":" + port + " did not start", e);
    }
    return new MetricsServer(server, connector, scrapes);
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
    return connector.getLocalPort();
  }

  @Override
  public void close() {
    stop(server);
  }

  private static void stop(Server server) {
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      throw new IllegalStateException("metrics endpoint did not stop", e);
    }
  }

  /** The three endpoints; anything else is 404, a body 413, a method other than GET or HEAD 405. */
  private static final class Endpoints extends Handler.Abstract {
    private final PrometheusMeterRegistry registry;

    private final BooleanSupplier ready;

    private final AtomicLong scrapes;

    Endpoints(PrometheusMeterRegistry registry, BooleanSupplier ready, AtomicLong scrapes) {
      this.registry = registry;
      this.ready = ready;
      this.scrapes = scrapes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      if (request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING)
          || request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH) > 0) {
        // Closing spares reading a body nobody wants.
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        return respond(response, 413, "request bodies are not accepted\n", callback);
      }
      if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
        response.getHeaders().put(HttpHeader.ALLOW, "GET, HEAD");
        return respond(response, 405, "method not allowed\n", callback);
      }
      switch (Request.getPathInContext(request)) {
        case "/metrics" -> {
          String scrape = registry.scrape();
          response.getHeaders().put(HttpHeader.CONTENT_TYPE, PROMETHEUS_TEXT);
          // Counted once the scraper has the whole response: a process that waits for the scrape may then exit.
          return respond(response, 200, scrape, Callback.from(() -> {
            scraped();
            callback.succeeded();
          }, callback::failed));
        }
        case "/health/live" -> {
          return respond(response, 200, "live\n", callback);
        }
        case "/health/ready" -> {
          boolean ok = ready.getAsBoolean();
          return respond(response, ok ? 200 : 503, ok ? "ready\n" : "not ready\n", callback);
        }
        default -> {
          return respond(response, 404, "not found\n", callback);
        }
      }
    }

    private void scraped() {
      synchronized (scrapes) {
        scrapes.incrementAndGet();
        scrapes.notifyAll();
      }
    }

    private static boolean respond(Response response, int status, String body, Callback callback) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      response.setStatus(status);
      if (!response.getHeaders().contains(HttpHeader.CONTENT_TYPE)) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, PLAIN_TEXT);
      }
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
      response.write(true, ByteBuffer.wrap(bytes), callback);
      return true;
    }
  }
}
