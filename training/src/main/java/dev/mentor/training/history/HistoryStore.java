package dev.mentor.training.history;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The experiment history database over JDBC: migrated by Flyway when opened (the schema of
 * {@code db/history}, docs/history.md), then written one transaction per batch of
 * {@link HistoryWrite}s and read through read-only connections. Embedded, it is one SQLite file
 * in WAL mode, so that any number of processes on the machine write it (one at a time, each
 * waiting up to {@link #BUSY_TIMEOUT_MS} for the others) while others read; on a cluster it is a
 * PostgreSQL database. Not thread-safe for writes: one thread writes (see {@link HistoryWriter}).
 */
public final class HistoryStore implements AutoCloseable {
  /** How long an SQLite writer waits for another process's transaction before it fails (and is retried). */
  public static final int BUSY_TIMEOUT_MS = 10_000;

  /** How long a PostgreSQL query of {@code mentor history query} may run. */
  static final int QUERY_TIMEOUT_SECONDS = 60;

  private final HistoryLocation location;
  private Connection connection;
  private boolean readOnly;

  private HistoryStore(HistoryLocation location) {
    this.location = location;
  }

  /** Opens the database of {@code location}, creating (SQLite) and migrating it first. */
  public static HistoryStore open(HistoryLocation location) throws SQLException {
    HistoryStore store = new HistoryStore(location);
    store.migrate();
    store.connection = store.connect(false);
    return store;
  }

  /**
   * Opens the database of {@code location} for reading only: no migration, no write connection,
   * so that a role with nothing but {@code SELECT} rights can read it ({@code mentor history}).
   * {@link #write} on it fails.
   */
  public static HistoryStore openForReading(HistoryLocation location) {
    HistoryStore store = new HistoryStore(location);
    store.readOnly = true;
    return store;
  }

  /** Opens an SQLite history in {@code file}. */
  public static HistoryStore sqlite(Path file) throws SQLException {
    return open(HistoryLocation.sqlite(file));
  }

  public HistoryLocation location() {
    return location;
  }

  /**
   * Applies the schema's migrations that the database lacks. Two processes opening a new SQLite
   * file at once may both try to create the schema (Flyway locks PostgreSQL, not SQLite): the one
   * that loses finds it created when it tries again.
   */
  private void migrate() throws SQLException {
    if (location.isSqlite()) {
      Path file = Path.of(location.url().substring("jdbc:sqlite:".length()).replaceFirst("\\?.*$", ""));
      try {
        if (file.getParent() != null) {
          Files.createDirectories(file.getParent());
        }
      } catch (IOException e) {
        throw new SQLException("cannot create the folder of " + file + ": " + e.getMessage(), e);
      }
      // The journal mode is kept in the file: WAL is set once, by the connection that creates it. Setting
      // it again on every connection would wait for any other process's write transaction to end.
      try {
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
          DriverManager.getConnection(sqliteUrl("&journal_mode=WAL")).close();
        }
      } catch (IOException e) {
        throw new SQLException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    FlywayException last = null;
    // A second process writing the same SQLite file can make a validation's commit fail as busy
    // (a snapshot that went stale), which no busy wait fixes; trying again a little later does.
    // A schema with nothing pending is only read (Flyway's info), never migrated: a second process
    // opening a history another process is writing then takes no write transaction at all.
    for (int attempt = 0; attempt < 8; attempt++) {
      try {
        Flyway flyway = Flyway.configure(HistoryStore.class.getClassLoader())
            .dataSource(sqliteUrl(""), location.user(), location.password())
            .locations("classpath:db/history")
            .load();
        if (flyway.info().current() != null && flyway.info().pending().length == 0) {
          return;
        }
        flyway.migrate();
        return;
      } catch (FlywayException e) {
        last = e;
        try {
          Thread.sleep(100L * (attempt + 1) + ThreadLocalRandom.current().nextLong(100));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    throw new SQLException("cannot migrate the history database " + location + ": " + last.getMessage(), last);
  }

  /**
   * The URL as the driver gets it: SQLite's settings travel in it (the busy wait, foreign keys,
   * immediate write transactions so that writers queue at their first statement; the WAL journal
   * is the file's own, set when it is created).
   */
  private String jdbcUrl(boolean readOnly) {
    return sqliteUrl(readOnly ? "&open_mode=1" : "&transaction_mode=IMMEDIATE");
  }

  /**
   * SQLite's URL with the settings of every connection and {@code more}; any other database's URL
   * as given. Flyway gets it with nothing more: its transactions start deferred, so reading a
   * schema with nothing pending takes no write lock.
   */
  private String sqliteUrl(String more) {
    if (!location.isSqlite() || location.url().contains("?")) {
      return location.url();
    }
    return location.url() + "?busy_timeout=" + BUSY_TIMEOUT_MS + "&foreign_keys=true&synchronous=NORMAL" + more;
  }

  private Connection connect(boolean readOnly) throws SQLException {
    Properties properties = new Properties();
    if (location.user() != null) {
      properties.setProperty("user", location.user());
    }
    if (location.password() != null) {
      properties.setProperty("password", location.password());
    }
    Connection c = DriverManager.getConnection(jdbcUrl(readOnly), properties);
    if (readOnly) {
      if (location.isSqlite()) {
        // Opened read-only as well (open_mode): query_only refuses writes even through a WITH ... DELETE.
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA query_only = 1");
        }
      } else {
        // PostgreSQL: every transaction of this session is READ ONLY; a data-modifying WITH fails.
        c.setReadOnly(true);
        c.setAutoCommit(false);
      }
    }
    return c;
  }

  /** Applies {@code writes} in one transaction: all of them or, on an error, none. */
  public void write(List<? extends HistoryWrite> writes) throws SQLException {
    if (readOnly) {
      throw new SQLException("the history " + location + " was opened for reading only");
    }
    if (connection == null) {
      connection = connect(false);
    }
    try {
      connection.setAutoCommit(false);
      for (HistoryWrite write : writes) {
        write.apply(connection);
      }
      connection.commit();
    } catch (SQLException | RuntimeException e) {
      // A connection that failed may be broken (the server restarted): the next write opens a new one.
      try {
        connection.rollback();
      } catch (SQLException ignored) {
        // the close below is what matters
      }
      try {
        connection.close();
      } catch (SQLException ignored) {
        // gone already
      }
      connection = null;
      throw e;
    }
  }

  /** A connection that cannot change the database; the caller closes it. */
  public Connection readOnlyConnection() throws SQLException {
    return connect(true);
  }

  /** Rows of a read-only query: column names, then the values as JDBC returns them. */
  public record QueryResult(List<String> columns, List<List<Object>> rows, boolean truncated) {}

  /**
   * Runs {@code sql} read-only, returning at most {@code maxRows} rows: refused unless it is one
   * {@code SELECT} or {@code WITH} statement ({@link ReadOnlySql}), and run on a connection the
   * database itself keeps from writing.
   */
  public QueryResult query(String sql, int maxRows) throws SQLException {
    String checked = ReadOnlySql.check(sql);
    try (Connection c = readOnlyConnection(); Statement statement = c.createStatement()) {
      if (!location.isSqlite()) {
        statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
      }
      statement.setMaxRows(maxRows + 1);
      try (ResultSet results = statement.executeQuery(checked)) {
        ResultSetMetaData meta = results.getMetaData();
        List<String> columns = new ArrayList<>();
        for (int i = 1; i <= meta.getColumnCount(); i++) {
          columns.add(meta.getColumnLabel(i));
        }
        List<List<Object>> rows = new ArrayList<>();
        boolean truncated = false;
        while (results.next()) {
          if (rows.size() == maxRows) {
            truncated = true;
            break;
          }
          List<Object> row = new ArrayList<>(columns.size());
          for (int i = 1; i <= columns.size(); i++) {
            row.add(results.getObject(i));
          }
          rows.add(row);
        }
        return new QueryResult(columns, rows, truncated);
      } finally {
        if (!c.getAutoCommit()) {
          c.rollback();
        }
      }
    }
  }

  @Override
  public void close() throws SQLException {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }
}
