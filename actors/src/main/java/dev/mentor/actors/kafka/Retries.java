package dev.mentor.actors.kafka;

import dev.mentor.monitoring.LoopHealth;
import java.time.Duration;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * How Mentor's Kafka loops treat errors: everything is retried with capped exponential backoff
 * for as long as it takes (a broker outage, a rebalance, a full disk that gets emptied), except
 * the errors that no retry can cure — wrong credentials or permissions, a broker too old, a
 * fenced static member, a JVM error — which end the loop and are reported.
 */
public final class Retries {
  static final Duration FIRST = Duration.ofMillis(100);
  static final Duration MAX = Duration.ofSeconds(5);

  private Retries() {}

  /** True for an error that retrying cannot cure. */
  public static boolean fatal(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof AuthenticationException || t instanceof AuthorizationException || t instanceof UnsupportedVersionException
          || t instanceof FencedInstanceIdException || t instanceof InvalidConfigurationException || t instanceof Error) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /** The wait before retry number {@code attempt} (0 for the first): 100 ms doubled each time, at most 5 s. */
  public static Duration backoff(int attempt) {
    return attempt >= 6 ? MAX : FIRST.multipliedBy(1L << attempt).compareTo(MAX) > 0 ? MAX : FIRST.multipliedBy(1L << attempt);
  }

  /** Sleeps {@code wait} unless interrupted; returns false when interrupted (the interrupt flag is set again). */
  static boolean sleep(Duration wait) {
    try {
      Thread.sleep(wait.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * One retriable failure of a loop: marks it retrying, logs the first of a row and every 20th,
   * waits out the backoff (an interrupt cuts the wait short and is cleared: the loop ends on its
   * own flag, not on the interrupt); returns the failures in a row, this one included.
   */
  public static int retried(LoopHealth.Loop loop, String who, Throwable error, int failures) {
    loop.retrying(error);
    if (failures % 20 == 0) {
      System.err.println("mentor: " + who + " retries after: " + describe(error));
    }
    if (!sleep(backoff(failures))) {
      Thread.interrupted();
    }
    return failures + 1;
  }

  /** A message and its causes' messages, on one line. */
  public static String describe(Throwable error) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = error; t != null && out.length() < 400; t = t.getCause() == t ? null : t.getCause()) {
      if (out.length() > 0) {
        out.append(": ");
      }
      out.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
    }
    return out.toString();
  }
}
