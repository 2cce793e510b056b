package dev.mentor.training.history;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the experiment history lives: a JDBC URL with its user and password. The default is an
 * embedded SQLite file, {@code <output>/history.db}, beside the experiment folders it indexes; a
 * cluster names a PostgreSQL database ({@code jdbc:postgresql://host:5432/mentor}).
 *
 * <p>{@link #resolve} reads, first found first: the {@code --history} value of a command
 * ({@code none}, a JDBC URL, or a file for SQLite), the {@code mentor.history.*} keys of a
 * service's client config, the {@code MENTOR_HISTORY_*} environment variables, then the default.
 */
public record HistoryLocation(String url, String user, String password) {
  /** The embedded database's file name in the output folder. */
  public static final String EMBEDDED_FILE = "history.db";

  /** The value of {@code --history} that records nothing. */
  public static final String NONE = "none";

  public static final String URL_KEY = "mentor.history.url";
  public static final String USER_KEY = "mentor.history.user";
  public static final String PASSWORD_KEY = "mentor.history.password";

  public static final String URL_ENV = "MENTOR_HISTORY_URL";
  public static final String USER_ENV = "MENTOR_HISTORY_USER";
  public static final String PASSWORD_ENV = "MENTOR_HISTORY_PASSWORD";

  public HistoryLocation {
    if (url == null || !url.startsWith("jdbc:")) {
      throw new IllegalArgumentException("the history database must be a JDBC URL (jdbc:sqlite:FILE, jdbc:postgresql://HOST/DB), got " + url);
    }
  }

  /** The embedded SQLite database of {@code outputRoot}. */
  public static HistoryLocation embedded(Path outputRoot) {
    return sqlite(outputRoot.resolve(EMBEDDED_FILE));
  }

  /** An SQLite database in {@code file}. */
  public static HistoryLocation sqlite(Path file) {
    return new HistoryLocation("jdbc:sqlite:" + file.toAbsolutePath().normalize(), null, null);
  }

  /**
   * The location named by {@code option} (null when not given), {@code config} (a client
   * config's keys, may be empty) or {@code env}, else the embedded database of {@code outputRoot};
   * null when any of them says {@value #NONE}.
   */
  public static HistoryLocation resolve(String option, Map<String, String> config, Map<String, String> env, Path outputRoot) {
    String url = firstOf(option, config.get(URL_KEY), env.get(URL_ENV));
    if (url == null || url.isBlank()) {
      return embedded(outputRoot);
    }
    if (url.strip().equalsIgnoreCase(NONE)) {
      return null;
    }
    String user = firstOf(config.get(USER_KEY), env.get(USER_ENV));
    String password = firstOf(config.get(PASSWORD_KEY), env.get(PASSWORD_ENV));
    return url.startsWith("jdbc:") ? new HistoryLocation(url.strip(), user, password) : sqlite(Path.of(url.strip()));
  }

  private static String firstOf(String... values) {
    for (String value : values) {
      if (value != null && !value.isBlank()) {
        return value;
      }
    }
    return null;
  }

  /** Whether this is an SQLite database (one file, written by every process on the machine that opens it). */
  public boolean isSqlite() {
    return url.startsWith("jdbc:sqlite:");
  }

  /** The URL without its password or query, for messages. */
  public String describe() {
    int query = url.indexOf('?');
    return (query < 0 ? url : url.substring(0, query)) + (user == null ? "" : " as " + user);
  }

  @Override
  public String toString() {
    return describe();
  }
}
