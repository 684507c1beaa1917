package dev.berth.cli;

import dev.berth.cli.render.Humanize;
import dev.berth.cli.render.Table;
import dev.berth.image.CachedImage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "image",
    mixinStandardHelpOptions = true,
    description = "Manage the cache of machine images.",
    subcommands = {ImageCommand.ListImages.class, ImageCommand.Prune.class})
final class ImageCommand extends BaseCommand {
  @Override
  public Integer call() {
    spec.commandLine().usage(out());
    return 0;
  }

  @Command(
      name = "list",
      aliases = "ls",
      mixinStandardHelpOptions = true,
      description = "List cached images.")
  static final class ListImages extends BaseCommand {
    @Mixin OutputOptions.Quiet quiet;

    @Override
    public Integer call() {
      List<CachedImage> images = context().images().list();
      if (quiet.isSet()) {
        images.forEach(i -> out().println(i.digest()));
        return 0;
      }
      Instant now = Instant.now();
      Table table =
          new Table().row(List.of("DIGEST", "SOURCE", "RELEASE", "SIZE", "LAST USED", "IN USE"));
      for (CachedImage i : images) {
        table.row(
            List.of(
                i.digest().substring(0, Math.min(12, i.digest().length())),
                i.stream() != null ? i.stream() : i.source(),
                i.release() == null ? "-" : i.release(),
                Humanize.bytes(i.size()),
                Humanize.duration(Duration.between(i.lastUsed(), now)) + " ago",
                i.inUse() ? "yes" : "no"));
      }
      table.print(out());
      return 0;
    }
  }

  @Command(
      name = "prune",
      mixinStandardHelpOptions = true,
      description =
          "Remove unused images: those a newer image has replaced, or with --all every unused one.")
  static final class Prune extends BaseCommand {
    @Option(names = "--all", description = "Remove every image no machine uses.")
    boolean all; // initialized by picocli

    @Override
    public Integer call() {
      List<String> removed = new ArrayList<>();
      context().images().prune(all).forEach(i -> removed.add(i.path().toString()));
      removed.forEach(path -> out().println("Removed " + path));
      if (removed.isEmpty()) {
        out().println("Nothing to remove");
      }
      return 0;
    }
  }
}
