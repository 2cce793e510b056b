package dev.mentor.training.data;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reads and writes the IDX format of MNIST and Fashion-MNIST: a big-endian header (magic number,
 * then one 32-bit size per dimension) followed by unsigned bytes. Files may be gzip-compressed,
 * which is recognised by content rather than by name. Every inconsistency (wrong magic, a size
 * that does not match the bytes present, image and label counts that differ) is a
 * {@link DataException} naming the file, because a silently misread file would yield plausible but
 * wrong experiments.
 */
public final class IdxFiles {
  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;
  private static final int IMAGES_HEADER_BYTES = 16;
  private static final int LABELS_HEADER_BYTES = 8;

  private IdxFiles() {}

  /** Reads single-channel images and their labels; sample {@code i} gets id {@code idOffset + i}. */
  public static ImageSet read(Path images, Path labels, long idOffset) {
    ByteBuffer imageBytes = ByteBuffer.wrap(readAll(images));
    ByteBuffer labelBytes = ByteBuffer.wrap(readAll(labels));

    requireHeader(images, imageBytes, IMAGES_HEADER_BYTES, IMAGES_MAGIC, "images");
    int count = requireNonNegative(images, "image count", imageBytes.getInt(4));
    int rows = requirePositive(images, "row count", imageBytes.getInt(8));
    int cols = requirePositive(images, "column count", imageBytes.getInt(12));
    requireLength(images, imageBytes, IMAGES_HEADER_BYTES + (long) count * rows * cols,
        count + " images of " + rows + "x" + cols + " pixels");

    requireHeader(labels, labelBytes, LABELS_HEADER_BYTES, LABELS_MAGIC, "labels");
    int labelCount = requireNonNegative(labels, "label count", labelBytes.getInt(4));
    requireLength(labels, labelBytes, LABELS_HEADER_BYTES + (long) labelCount, labelCount + " labels");
    if (labelCount != count) {
      throw new DataException(labels + ": holds " + labelCount + " labels but " + images + " holds " + count
          + " images; the two files must describe the same samples");
    }

    byte[] raw = imageBytes.array();
    float[] pixels = new float[count * rows * cols];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (raw[IMAGES_HEADER_BYTES + i] & 0xff) / 255f;
    }
    int[] labelValues = new int[count];
    long[] ids = new long[count];
    for (int i = 0; i < count; i++) {
      labelValues[i] = labelBytes.get(LABELS_HEADER_BYTES + i) & 0xff;
      ids[i] = idOffset + i;
    }
    return ImageSet.adopt(pixels, labelValues, ids, 1, rows, cols);
  }

  /**
   * Writes a single-channel set as an images file and a labels file, gzip-compressed if asked.
   * Pixels are rounded to the nearest of 256 levels, so a round trip reproduces data read from IDX exactly.
   */
  public static void write(Path images, Path labels, ImageSet set, boolean gzip) {
    if (set.channels() != 1) {
      throw new IllegalArgumentException("IDX images hold one channel, this set has " + set.channels());
    }
    int n = set.size();
    for (int i = 0; i < n; i++) {
      if (set.label(i) > 255) {
        throw new IllegalArgumentException("IDX labels are bytes; sample " + i + " has label " + set.label(i));
      }
    }
    try (DataOutputStream out = new DataOutputStream(open(images, gzip))) {
      out.writeInt(IMAGES_MAGIC);
      out.writeInt(n);
      out.writeInt(set.height());
      out.writeInt(set.width());
      byte[] bytes = new byte[set.rawPixels().length];
      float[] pixels = set.rawPixels();
      for (int i = 0; i < bytes.length; i++) {
        bytes[i] = (byte) Math.round(Math.min(1f, Math.max(0f, pixels[i])) * 255f);
      }
      out.write(bytes);
    } catch (IOException e) {
      throw new DataException(images + ": cannot write: " + e.getMessage(), e);
    }
    try (DataOutputStream out = new DataOutputStream(open(labels, gzip))) {
      out.writeInt(LABELS_MAGIC);
      out.writeInt(n);
      for (int i = 0; i < n; i++) {
        out.writeByte(set.label(i));
      }
    } catch (IOException e) {
      throw new DataException(labels + ": cannot write: " + e.getMessage(), e);
    }
  }

  private static OutputStream open(Path file, boolean gzip) throws IOException {
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    OutputStream out = new BufferedOutputStream(Files.newOutputStream(file));
    return gzip ? new GZIPOutputStream(out, 1 << 16) : out;
  }

  private static byte[] readAll(Path file) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      in.mark(2);
      boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
      in.reset();
      return (gzip ? new GZIPInputStream(in, 1 << 16) : in).readAllBytes();
    } catch (NoSuchFileException e) {
      throw new DataException(file + ": file not found", e);
    } catch (IOException e) {
      // Truncated or damaged gzip streams surface here (EOFException, ZipException).
      throw new DataException(file + ": cannot read, the file is truncated or corrupt (" + e + ")", e);
    }
  }

  private static void requireHeader(Path file, ByteBuffer bytes, int headerBytes, int magic, String kind) {
    // The magic number comes first: a file of the wrong kind is better reported as such than as short.
    if (bytes.limit() >= Integer.BYTES && bytes.getInt(0) != magic) {
      throw new DataException(String.format("%s: not an IDX %s file: expected magic number 0x%08X, found 0x%08X",
          file, kind, magic, bytes.getInt(0)));
    }
    if (bytes.limit() < headerBytes) {
      throw new DataException(file + ": truncated IDX " + kind + " header: expected " + headerBytes
          + " bytes, found " + bytes.limit());
    }
  }

  private static void requireLength(Path file, ByteBuffer bytes, long expected, String promised) {
    if (bytes.limit() != expected) {
      String problem = bytes.limit() < expected ? "truncated" : "has unexpected trailing bytes";
      throw new DataException(file + ": " + problem + ": the header promises " + promised + " = " + expected
          + " bytes in all, found " + bytes.limit());
    }
  }

  private static int requireNonNegative(Path file, String what, int value) {
    if (value < 0) {
      throw new DataException(file + ": corrupt header: " + what + " must be >= 0, found " + value);
    }
    return value;
  }

  private static int requirePositive(Path file, String what, int value) {
    if (value <= 0) {
      throw new DataException(file + ": corrupt header: " + what + " must be > 0, found " + value);
    }
    return value;
  }
}
