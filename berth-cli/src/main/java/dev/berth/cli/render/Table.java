package dev.berth.cli.render;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Columns padded to their widest cell, separated by three spaces, as podman's tabwriter does. Cells
 * may hold text a guest chose (the forwards it asked for): control characters are shown escaped, so
 * that no cell can move the cursor or rewrite the terminal.
 */
public final class Table {
  private final List<List<String>> rows = new ArrayList<>();

  public Table row(List<String> cells) {
    rows.add(cells.stream().map(Table::printable).toList());
    return this;
  }

  /** {@code text} with each control character (C0, DEL, C1) as a backslash, {@code u} and four hex digits. */
  public static String printable(String text) {
    StringBuilder out = new StringBuilder(text.length());
    text.chars()
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
              } else {
                out.append((char) c);
              }
            });
    return out.toString();
  }

  public void print(PrintWriter out) {
    int columns = rows.stream().mapToInt(List::size).max().orElse(0);
    int[] widths = new int[columns];
    for (List<String> row : rows) {
      for (int i = 0; i < row.size(); i++) {
        widths[i] = Math.max(widths[i], row.get(i).length());
      }
    }
    for (List<String> row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.size(); i++) {
        line.append(row.get(i));
        if (i < row.size() - 1) {
          line.append(" ".repeat(widths[i] - row.get(i).length() + 3));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }
}
