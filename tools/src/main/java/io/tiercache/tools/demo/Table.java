package io.tiercache.tools.demo;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table: the first column left-aligned (names), the others right-aligned (numbers).
 */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    rows.add(header.clone());
  }

  /** Adds a row with as many cells as the header. */
  Table row(String... cells) {
    if (cells.length != rows.get(0).length) {
      throw new IllegalArgumentException(
          "a row needs " + rows.get(0).length + " cells, got " + cells.length);
    }
    rows.add(cells.clone());
    return this;
  }

  void print(PrintWriter out, String indent) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder(indent);
      for (int i = 0; i < row.length; i++) {
        String format = i == 0 ? "%-" + widths[i] + "s" : "  %" + widths[i] + "s";
        line.append(String.format(format, row[i]));
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
