package dev.mentor.training.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A GitHub-flavoured Markdown table; a '|' inside a cell is escaped so it cannot split the row. */
final class MarkdownTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  MarkdownTable(List<String> header) {
    this.header = List.copyOf(header);
  }

  void add(List<String> row) {
    if (row.size() != header.size()) {
      throw new IllegalArgumentException("row has " + row.size() + " cells, the header " + header.size());
    }
    rows.add(List.copyOf(row));
  }

  String render() {
    StringBuilder out = new StringBuilder();
    out.append(line(header));
    out.append(line(Collections.nCopies(header.size(), "---")));
    rows.forEach(row -> out.append(line(row)));
    return out.toString();
  }

  private static String line(List<String> cells) {
    return "| " + String.join(" | ", cells.stream().map(c -> c.replace("|", "\\|")).toList()) + " |\n";
  }
}
