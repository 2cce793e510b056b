package dev.mentor.training.history;

import java.util.Locale;

/**
 * The first of the two guards of {@code mentor history query}: a statement is let through only
 * when it is one statement that starts (after comments) with {@code SELECT} or {@code WITH}. The
 * second guard is the database's: the statement runs on a read-only connection (SQLite opened
 * read-only with {@code query_only}; PostgreSQL in a {@code READ ONLY} transaction, rolled back), which
 * also stops a {@code WITH} that deletes.
 */
public final class ReadOnlySql {
  private ReadOnlySql() {}

  /** {@code sql} without a trailing semicolon, or an {@link IllegalArgumentException} saying why it is refused. */
  public static String check(String sql) {
    if (sql == null || sql.isBlank()) {
      throw new IllegalArgumentException("no query given");
    }
    String body = stripTrailingSemicolons(sql.strip());
    if (hasSecondStatement(body)) {
      throw new IllegalArgumentException("one statement only: the query has a ';' before its end");
    }
    String first = firstWord(body);
    if (!first.equals("select") && !first.equals("with")) {
      throw new IllegalArgumentException("read-only: only SELECT and WITH queries are run, got " + (first.isEmpty() ? "nothing" : first.toUpperCase(Locale.ROOT)));
    }
    return body;
  }

  private static String stripTrailingSemicolons(String sql) {
    String s = sql;
    while (s.endsWith(";")) {
      s = s.substring(0, s.length() - 1).strip();
    }
    return s;
  }

  /** Whether a ';' stands outside quotes and comments. */
  private static boolean hasSecondStatement(String sql) {
    int i = 0;
    while (i < sql.length()) {
      char c = sql.charAt(i);
      if (c == '\'' || c == '"') {
        int end = sql.indexOf(c, i + 1);
        while (end > 0 && end + 1 < sql.length() && sql.charAt(end + 1) == c) {
          end = sql.indexOf(c, end + 2);
        }
        i = end < 0 ? sql.length() : end + 1;
      } else if (afterComment(sql, i) > i) {
        i = afterComment(sql, i);
      } else if (c == ';') {
        return true;
      } else {
        i++;
      }
    }
    return false;
  }

  /** Where the comment starting at {@code i} ends ({@code i} itself when none starts there). */
  private static int afterComment(String sql, int i) {
    if (sql.startsWith("--", i)) {
      int end = sql.indexOf('\n', i);
      return end < 0 ? sql.length() : end + 1;
    }
    if (sql.startsWith("/*", i)) {
      int end = sql.indexOf("*/", i + 2);
      return end < 0 ? sql.length() : end + 2;
    }
    return i;
  }

  private static String firstWord(String sql) {
    int i = 0;
    while (i < sql.length()) {
      if (Character.isWhitespace(sql.charAt(i)) || sql.charAt(i) == '(') {
        i++;
      } else if (afterComment(sql, i) > i) {
        i = afterComment(sql, i);
      } else {
        break;
      }
    }
    int start = i;
    while (i < sql.length() && Character.isLetter(sql.charAt(i))) {
      i++;
    }
    return sql.substring(start, i).toLowerCase(Locale.ROOT);
  }
}
