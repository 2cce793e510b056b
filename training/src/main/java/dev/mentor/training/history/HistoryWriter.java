package dev.mentor.training.history;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes the history on a thread of its own, so that training never waits for the database and
 * never fails because of it. {@link #submit} only puts the write in a bounded queue (a full queue
 * drops it and says so once); the thread opens and migrates the database, then writes what has
 * queued up, one transaction per batch. When the database fails (unreachable, locked too long)
 * the batch is kept and tried again with a growing pause (up to {@link #MAX_RETRY_PAUSE}),
 * reported once on the console when it starts failing and once when it writes again; a write the
 * database refuses for good (a constraint) is left out alone, reported once, so that it cannot hold
 * up the others. Whatever
 * is lost this way is in the run folders, which {@code mentor history rebuild} reads back.
 */
public final class HistoryWriter implements AutoCloseable {
  /** Writes kept while the database is slow or away (an epoch is a write; a day of epochs fits). */
  public static final int DEFAULT_CAPACITY = 50_000;

  /** The most writes in one transaction. */
  static final int MAX_BATCH = 1_000;

  static final Duration MAX_RETRY_PAUSE = Duration.ofSeconds(30);

  /**
   * How long the writer waits after the first write of a batch for more to share its transaction:
   * a commit costs about a millisecond of CPU (docs/benchmarks.md), more than a short epoch can spare.
   */
  static final Duration LINGER = Duration.ofMillis(200);

  /** How long {@link #close()} waits for the queue to drain. */
  public static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

  private final HistoryLocation location;
  private final BlockingQueue<HistoryWrite> queue;
  private final PrintStream log;
  private final Thread thread;
  private final AtomicLong submitted = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  /** Writes the database refused for good (counted as written: nothing waits for them). */
  private final AtomicLong rejected = new AtomicLong();
  private final AtomicLong transactions = new AtomicLong();
  private final AtomicLong writeNanos = new AtomicLong();
  private final AtomicLong writeCpuNanos = new AtomicLong();
  private volatile boolean closing;
  private volatile boolean failing;
  private HistoryStore store;

  private HistoryWriter(HistoryLocation location, int capacity, PrintStream log) {
    this.location = location;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.log = log;
    this.thread = new Thread(this::loop, "mentor-history-writer");
    this.thread.setDaemon(true);
  }

  /** A writer to {@code location}, reporting problems on {@code log}; the database is opened on the writer's thread. */
  public static HistoryWriter start(HistoryLocation location, PrintStream log) {
    return start(location, DEFAULT_CAPACITY, log);
  }

  public static HistoryWriter start(HistoryLocation location, int capacity, PrintStream log) {
    HistoryWriter writer = new HistoryWriter(location, capacity, log);
    writer.thread.start();
    return writer;
  }

  public HistoryLocation location() {
    return location;
  }

  /** Queues {@code write}; never blocks. */
  public void submit(HistoryWrite write) {
    if (closing) {
      return;
    }
    submitted.incrementAndGet();
    if (!queue.offer(write) && dropped.getAndIncrement() == 0) {
      log.println("mentor: history: " + queue.size() + " writes wait for " + location + "; further ones are dropped (the run folders keep"
          + " everything: `mentor history rebuild` recovers them)");
    }
  }

  /** What the writer has done: counts and the time its thread spent writing (wall and CPU). */
  public record Stats(long submitted, long written, long dropped, long rejected, long transactions, long writeNanos, long writeCpuNanos) {}

  public Stats stats() {
    return new Stats(submitted.get(), written.get(), dropped.get(), rejected.get(), transactions.get(), writeNanos.get(), writeCpuNanos.get());
  }

  /** Waits until everything submitted so far is written (true) or {@code timeout} passes (false). */
  public boolean flush(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (written.get() + dropped.get() < submitted.get()) {
      if (System.nanoTime() > deadline || !thread.isAlive()) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  private void loop() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    boolean cpuTime = threads.isCurrentThreadCpuTimeSupported();
    List<HistoryWrite> batch = new ArrayList<>();
    long pauseMillis = 250;
    while (true) {
      try {
        if (batch.isEmpty()) {
          HistoryWrite first = queue.poll(100, TimeUnit.MILLISECONDS);
          if (first == null) {
            if (closing) {
              break;
            }
            continue;
          }
          batch.add(first);
          if (!closing) {
            // What arrives meanwhile shares the transaction: runs with short epochs pay one commit per LINGER, not per epoch.
            Thread.sleep(LINGER.toMillis());
          }
          queue.drainTo(batch, MAX_BATCH - 1);
        }
        if (store == null) {
          store = HistoryStore.open(location);
        }
        long start = System.nanoTime();
        long cpuStart = cpuTime ? threads.getCurrentThreadCpuTime() : 0;
        try {
          store.write(batch);
          written.addAndGet(batch.size());
          transactions.incrementAndGet();
        } catch (SQLException | RuntimeException e) {
          if (e instanceof SQLException sql && !permanent(sql)) {
            throw sql;
          }
          // Some write of the batch can never be made (a constraint, a value out of range, a bug): each alone, so that only that one is lost.
          writeOneByOne(batch);
        }
        writeNanos.addAndGet(System.nanoTime() - start);
        if (cpuTime) {
          writeCpuNanos.addAndGet(threads.getCurrentThreadCpuTime() - cpuStart);
        }
        batch.clear();
        pauseMillis = 250;
        if (failing) {
          failing = false;
          log.println("mentor: history: writing to " + location + " again");
        }
      } catch (SQLException | RuntimeException e) {
        if (!failing) {
          failing = true;
          log.println("mentor: history: cannot write to " + location + " (" + oneLine(e) + "); training goes on, the writes are kept and"
              + " tried again");
        }
        if (closing) {
          break;
        }
        try {
          Thread.sleep(pauseMillis);
        } catch (InterruptedException interrupted) {
          break;
        }
        pauseMillis = Math.min(MAX_RETRY_PAUSE.toMillis(), pauseMillis * 2);
      } catch (InterruptedException e) {
        break;
      }
    }
    long lost = batch.size() + queue.size();
    if (lost > 0) {
      log.println("mentor: history: " + lost + " writes could not be made to " + location + "; `mentor history rebuild` recovers them from"
          + " the run folders");
    }
    if (store != null) {
      try {
        store.close();
      } catch (SQLException e) {
        // closing only
      }
    }
  }

  /**
   * Writes each of {@code batch} in a transaction of its own, dropping (and reporting once) those
   * that fail for good; throws, leaving the rest in the batch, at a failure that may pass.
   */
  private void writeOneByOne(List<HistoryWrite> batch) throws SQLException {
    while (!batch.isEmpty()) {
      HistoryWrite write = batch.get(0);
      try {
        store.write(List.of(write));
        written.incrementAndGet();
        transactions.incrementAndGet();
      } catch (SQLException | RuntimeException e) {
        if (e instanceof SQLException sql && !permanent(sql)) {
          throw sql;
        }
        if (rejected.getAndIncrement() == 0) {
          log.println("mentor: history: a write was refused by " + location + " and is left out (" + oneLine(e) + "); `mentor history"
              + " rebuild` writes the history again from the run folders");
        }
        written.incrementAndGet();
      }
      batch.remove(0);
    }
  }

  /**
   * Whether an error says the write itself can never be made (SQL states 22: data, 23: integrity,
   * 42: syntax or access rule; SQLite's constraint, type and size errors), as opposed to a database
   * that is away, busy or locked for now.
   */
  static boolean permanent(SQLException e) {
    String state = e.getSQLState();
    if (state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("42"))) {
      return true;
    }
    String message = String.valueOf(e.getMessage());
    return message.contains("SQLITE_CONSTRAINT") || message.contains("SQLITE_MISMATCH") || message.contains("SQLITE_TOOBIG")
        || message.contains("SQLITE_RANGE");
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    message = message.strip().replaceAll("\\s*\\R\\s*", " ");
    return message.length() > 300 ? message.substring(0, 300) + "..." : message;
  }

  /**
   * Writes what is queued, waiting at most {@link #CLOSE_WAIT} (a database that is away does not
   * hold up the end of a run), then stops the thread.
   */
  @Override
  public void close() {
    close(CLOSE_WAIT);
  }

  public void close(Duration wait) {
    boolean drained = false;
    try {
      drained = flush(wait);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closing = true;
    if (!drained) {
      // Waiting out a retry pause, or still writing to a slow database: what is left is reported as lost.
      thread.interrupt();
    }
    try {
      thread.join(wait.toMillis() + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
