package dev.mentor.training.data;

import dev.mentor.messages.record.DataProvenance;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * SHA-256 digests for {@link DataProvenance}: of the files data was read from (a folder by its
 * sorted listing of relative paths and sizes, not its contents), of a set of such files as one,
 * and of a split's sample ids.
 */
public final class DataDigests {
  private DataDigests() {}

  /** Each file's absolute path, size and SHA-256, in the order given; a folder's digest is that of its listing. */
  public static List<DataProvenance.DataFile> describe(List<Path> files) {
    List<DataProvenance.DataFile> described = new ArrayList<>();
    for (Path file : files) {
      try {
        if (Files.isDirectory(file)) {
          Listing listing = listing(file);
          described.add(new DataProvenance.DataFile(file.toString(), listing.bytes(), sha256(listing.text())));
        } else {
          described.add(new DataProvenance.DataFile(file.toString(), Files.size(file), sha256(file)));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + " to record its digest", e);
      }
    }
    return List.copyOf(described);
  }

  /** One digest for the data: SHA-256 of the files' digests, one a line, in order; null without files. */
  public static String combined(List<DataProvenance.DataFile> files) {
    if (files.isEmpty()) {
      return null;
    }
    StringBuilder text = new StringBuilder();
    files.forEach(f -> text.append(f.sha256()).append('\n'));
    return sha256(text.toString());
  }

  /**
   * SHA-256 of a split's sample ids in split order, one a line as {@code <file>:<index>}, where
   * {@code file} is {@code train} or {@code test} and {@code indices} index that source file.
   */
  public static String ids(String file, int[] indices) {
    StringBuilder text = new StringBuilder(indices.length * 12);
    for (int i : indices) {
      text.append(file).append(':').append(i).append('\n');
    }
    return sha256(text.toString());
  }

  public static String sha256(String text) {
    return HexFormat.of().formatHex(digest().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** A file as last digested: where, how long, when last written. */
  private record Stamp(Path file, long bytes, long modifiedMillis) {}

  /** Bounds the digests kept; a service reads a few data files, again for every job and teacher stream. */
  private static final int CACHED_FILES = 256;

  private static final Map<Stamp, String> DIGESTS = new ConcurrentHashMap<>();

  /** The file's SHA-256, read once per path, size and modification time in this process. */
  static String sha256(Path file) throws IOException {
    Path real = file.toAbsolutePath().normalize();
    Stamp stamp = new Stamp(real, Files.size(real), Files.getLastModifiedTime(real).toMillis());
    String known = DIGESTS.get(stamp);
    if (known != null) {
      return known;
    }
    String computed = read(real);
    if (DIGESTS.size() >= CACHED_FILES) {
      DIGESTS.clear();
    }
    DIGESTS.put(stamp, computed);
    return computed;
  }

  private static String read(Path file) throws IOException {
    MessageDigest digest = digest();
    byte[] buffer = new byte[1 << 16];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  private record Listing(String text, long bytes) {}

  /** Every regular file under {@code dir} as "relative/path TAB size", one a line, sorted by path. */
  private static Listing listing(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    long bytes = 0;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path file : walk.filter(Files::isRegularFile).toList()) {
        long size = Files.size(file);
        bytes += size;
        lines.add(dir.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/") + "\t" + size);
      }
    }
    lines.sort(null);
    StringBuilder text = new StringBuilder();
    lines.forEach(line -> text.append(line).append('\n'));
    return new Listing(text.toString(), bytes);
  }

  private static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java has no SHA-256", e);
    }
  }
}
