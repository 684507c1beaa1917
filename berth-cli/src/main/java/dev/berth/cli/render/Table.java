package dev.berth.cli.render;

import dev.berth.net.log.Printable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Columns padded to their widest cell, separated by three spaces, as podman's tabwriter does. Cells
 * may hold text a guest chose (the forwards it asked for): control characters are shown escaped, so
 * that no cell can move the cursor or rewrite the terminal ({@link Printable}).
 */
public final class Table {
  private final List<List<String>> rows = new ArrayList<>();

  public Table row(List<String> cells) {
    rows.add(cells.stream().map(Printable::escape).toList());
    return this;
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
