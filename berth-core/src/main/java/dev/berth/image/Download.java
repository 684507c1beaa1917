package dev.berth.image;

import dev.berth.BerthException;
import dev.berth.MachineEvent;
import dev.berth.ProgressListener;
import dev.berth.image.DownloadStreams.SinkFailure;
import dev.berth.image.DownloadStreams.SourceFailure;
import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.io.SequenceInputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * One pass over an image: the bytes are hashed as they arrive, decompressed and written sparse to a
 * target file, and checked against the expected digests at the end.
 *
 * <p>With a part file, the compressed bytes are kept there too, so that a download cut off by the
 * network can resume: the next pass replays (hashes and decompresses) the part, then asks the
 * server only for the rest. The part survives only such a cut; any other failure deletes it, since
 * its bytes are then suspect or the disk is full.
 */
final class Download {
  private static final int BUFFER = 1 << 20;
  private static final int READ_AHEAD = 1 << 16;

  /**
   * What a pass produced.
   *
   * @param sha256 of the bytes as fetched
   * @param uncompressedSha256 of the image as written
   * @param size the image's length
   * @param allocated bytes written, the rest being holes
   * @param format {@code qcow2} or {@code raw}
   */
  record Result(
      String sha256, String uncompressedSha256, long size, long allocated, String format) {}

  /** A download cut off by the network, whose part file is kept for a resume. */
  static final class CutOff extends BerthException {
    private static final long serialVersionUID = 1L;

    CutOff(String message, String hint, Throwable cause) {
      super(message, hint, cause);
    }
  }

  private final Fetcher fetcher;
  private final ProgressListener progress;
  private final Duration stallLimit;
  private final Path xzTool;

  /**
   * @param stallLimit how long a body may deliver nothing before the download counts as cut off
   * @param xzTool the {@code xz} executable to decompress xz data with, or null for XZ for Java
   */
  Download(Fetcher fetcher, ProgressListener progress, Duration stallLimit, Path xzTool) {
    this.fetcher = fetcher;
    this.progress = progress;
    this.stallLimit = stallLimit;
    this.xzTool = xzTool;
  }

  /**
   * Fetches {@code artifact} into {@code target}, an existing empty file.
   *
   * @param part where to keep the compressed bytes for a resume, or null for no resume
   * @throws BerthException for every failure ({@link CutOff} when the part is kept); {@code target}
   *     is then the caller's to delete
   */
  Result run(ImageArtifact artifact, Path target, Path part) {
    if (part == null) {
      return pass(artifact, target, null, true);
    }
    try (FileChannel channel =
            FileChannel.open(
                part,
                StandardOpenOption.CREATE,
                StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock = channel.tryLock()) {
      if (lock == null) {
        throw new BerthException(
            "image " + artifact.fileName() + " is being downloaded by another berth command",
            "wait for it to finish, then run this command again");
      }
      boolean keep = false;
      try {
        return pass(artifact, target, channel, true);
      } catch (CutOff e) {
        keep = true;
        throw e;
      } finally {
        if (!keep) {
          Files.deleteIfExists(part);
        }
      }
    } catch (IOException e) {
      throw cacheError(target.getParent(), artifact, e);
    }
  }

  /**
   * Fetches {@code artifact} into {@code target} as it is, verified but not decompressed: a kernel
   * or initramfs, which QEMU reads compressed.
   */
  Result copy(ImageArtifact artifact, Path target) {
    return pass(artifact, target, null, false);
  }

  private Result pass(ImageArtifact artifact, Path target, FileChannel part, boolean decompress) {
    long kept;
    try {
      kept = part == null ? 0 : part.size();
    } catch (IOException e) {
      throw cacheError(target.getParent(), artifact, e);
    }
    Fetcher.Opened opened;
    try {
      opened = fetcher.open(artifact.location(), kept);
    } catch (BerthException e) {
      if (kept > 0) {
        // the server is down or the network is: the bytes kept so far are still good
        throw new CutOff(e.getMessage(), e.hint().orElse(null), e);
      }
      throw e;
    }
    if (opened.offset() != kept) {
      kept = 0;
    }
    boolean local = "file".equalsIgnoreCase(artifact.location().getScheme());
    String task = (local ? "Reading " : "Downloading ") + artifact.fileName();
    if (kept > 0) {
      progress.accept(
          new MachineEvent.Step(
              "Resuming the download of " + artifact.fileName() + " at byte " + kept));
    }
    MessageDigest sha = sha256();
    InputStream body = opened.body();
    InputStream source = new DownloadStreams.SourceReads(body);
    if (part != null) {
      source =
          new SequenceInputStream(
              new DownloadStreams.Replay(part, kept), new DownloadStreams.Tee(source, part, kept));
    }
    DownloadStreams.Counting counting =
        new DownloadStreams.Counting(source, sha, task, opened.total(), progress);
    StallGuard guard = new StallGuard(stallLimit, counting::count, body);
    try (guard;
        body;
        RandomAccessFile out = new RandomAccessFile(target.toFile(), "rw");
        SparseWriter writer = new SparseWriter(out, BUFFER)) {
      if (part != null) {
        part.truncate(kept);
      }
      Result image = decompress(artifact, counting, writer, decompress);
      if (opened.total() >= 0 && counting.count() != opened.total()) {
        throw new SourceFailure(
            new IOException("the body ended after " + counting.count() + " bytes"));
      }
      String digest = HexFormat.of().formatHex(sha.digest());
      String plainDigest = image.uncompressedSha256() == null ? digest : image.uncompressedSha256();
      verify(artifact.sha256(), digest, "checksum mismatch for " + artifact.displayLocation());
      verify(
          artifact.uncompressedSha256(),
          plainDigest,
          "checksum mismatch for the decompressed image of " + artifact.displayLocation());
      writer.finish();
      progress.accept(new MachineEvent.Transfer(task, counting.count(), counting.count()));
      return new Result(digest, plainDigest, image.size(), image.allocated(), image.format());
    } catch (SourceFailure e) {
      String reason =
          guard.stalled()
              ? "no data came for " + stallLimit.toSeconds() + " s"
              : Fetcher.describe(e.getCause());
      throw cutOff(artifact, counting.count(), opened.total(), part, reason, e);
    } catch (IOException e) {
      IOException cause = e instanceof SinkFailure ? (IOException) e.getCause() : e;
      throw cacheError(target.getParent(), artifact, cause);
    }
  }

  /** Detects the compression and copies the decompressed image (or the bytes) into the writer. */
  private Result decompress(
      ImageArtifact artifact, InputStream in, SparseWriter writer, boolean decompress)
      throws IOException {
    BufferedInputStream buffered = new BufferedInputStream(in, READ_AHEAD);
    buffered.mark(Compression.MAGIC_LENGTH);
    byte[] head = buffered.readNBytes(Compression.MAGIC_LENGTH);
    buffered.reset();
    if (head.length == 0) {
      throw new BerthException(
          "image " + artifact.displayLocation() + " is empty",
          "check the URL or file given to --image");
    }
    Compression compression = Compression.NONE;
    try {
      if (decompress) {
        compression = Compression.detect(head);
      }
    } catch (Compression.UnsupportedCompressionException e) {
      throw new BerthException(
          "image "
              + artifact.displayLocation()
              + " is compressed with "
              + e.format()
              + ", which berth cannot read",
          "use an image compressed with xz, gzip or zstd, or an uncompressed one",
          e);
    }
    MessageDigest plainSha = compression == Compression.NONE ? null : sha256();
    byte[] buffer = writer.buffer();
    byte[] imageHead = null;
    try (InputStream plain =
        compression == Compression.XZ && xzTool != null
            ? new XzProcess(xzTool, buffered)
            : compression.decompress(buffered)) {
      for (int n;
          (n = plain.read(buffer, writer.filled(), buffer.length - writer.filled())) >= 0; ) {
        if (imageHead == null && n > 0) {
          imageHead = Arrays.copyOfRange(buffer, writer.filled(), writer.filled() + n);
        }
        if (plainSha != null) {
          plainSha.update(buffer, writer.filled(), n);
        }
        try {
          writer.advance(n);
        } catch (IOException e) {
          throw new SinkFailure(e);
        }
      }
      // A decompressor may stop before the end of its input; the digest covers all of it, and
      // bytes after the end would be caught as a mismatch.
      buffered.transferTo(OutputStream.nullOutputStream());
    } catch (SourceFailure | SinkFailure e) {
      throw e;
    } catch (IOException e) {
      if (endedEarly(e)) {
        // a body without a length that stopped short: what came is good, so it can resume
        throw new SourceFailure(new IOException("the compressed data ended early", e));
      }
      throw new BerthException(
          "the "
              + compression.name().toLowerCase(Locale.ROOT)
              + " data of image "
              + artifact.displayLocation()
              + " is corrupt: "
              + Fetcher.describe(e),
          "the file is damaged; fetch it again or use another image",
          e);
    }
    String format = DiskImageFiles.isQcow2(imageHead) ? "qcow2" : "raw";
    String plainDigest = plainSha == null ? null : HexFormat.of().formatHex(plainSha.digest());
    return new Result(null, plainDigest, writer.length(), writer.allocatedBytes(), format);
  }

  /** Whether a decompressor failed for want of input, as each one says it. */
  private static boolean endedEarly(IOException e) {
    String message = String.valueOf(e.getMessage());
    return e instanceof EOFException
        || message.contains("Unexpected end of input") // the xz tool
        || message.contains("Truncated source"); // zstd-jni
  }

  private static void verify(String expected, String actual, String what) {
    if (expected != null && !expected.equals(actual)) {
      throw new BerthException(
          what + ": expected sha256 " + expected + ", got " + actual,
          "the download was damaged or the stream metadata does not match the image; run the"
              + " command again, and use another image if it fails again");
    }
  }

  private static BerthException cutOff(
      ImageArtifact artifact,
      long got,
      long total,
      FileChannel part,
      String reason,
      SourceFailure e) {
    String of = total >= 0 ? got + " of " + total : String.valueOf(got);
    String message =
        "the transfer of "
            + artifact.displayLocation()
            + " broke off after "
            + of
            + " bytes: "
            + reason;
    if (part != null) {
      return new CutOff(message, "run the command again to resume the download", e);
    }
    return new BerthException(
        message, "check the network or the file, then run the command again", e);
  }

  /** The error for a failed write in the cache: a full disk gets its own message. */
  static BerthException cacheError(Path dir, ImageArtifact artifact, IOException e) {
    String reason = Fetcher.describe(e);
    if (reason.contains("No space left on device")) {
      return new BerthException(
          "not enough free space in " + dir + " for image " + artifact.fileName(),
          "free some space, for example with: berth image prune --all",
          e);
    }
    return new BerthException("cannot write the image cache " + dir + ": " + reason, null, e);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
