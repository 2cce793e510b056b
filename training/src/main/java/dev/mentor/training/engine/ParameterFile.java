package dev.mentor.training.engine;

import dev.mentor.training.files.AtomicFiles;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Mentor's tensor file: named float32 arrays with their shapes, so loading can check every name
 * and shape instead of trusting order (DJL's own loader silently accepts a head of another
 * size). Layout: magic "MNTRPAR1", count, then per tensor: UTF name, rank, dims, values.
 * Written to a temporary file and moved into place, so a crash never leaves half a file.
 */
public final class ParameterFile {
  private static final long MAGIC = 0x4D4E545250415231L;

  private ParameterFile() {}

  /** A named tensor's values and shape. */
  public record Tensor(float[] values, long[] shape) {
    public Tensor {
      long size = 1;
      for (long d : shape) {
        size *= d;
      }
      if (size != values.length) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + size + " values, got " + values.length);
      }
    }
  }

  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    try {
      AtomicFiles.write(file, stream -> writeTo(stream, tensors));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** The file {@link #write} makes of {@code tensors}, byte for byte (the same tensors in the same order give the same bytes). */
  public static byte[] toBytes(Map<String, Tensor> tensors) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writeTo(out, tensors);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** Hex SHA-256 of {@code bytes}: how Mentor names weights by content. */
  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void writeTo(OutputStream stream, Map<String, Tensor> tensors) throws IOException {
    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream, 1 << 16));
    out.writeLong(MAGIC);
    out.writeInt(tensors.size());
    for (Map.Entry<String, Tensor> entry : tensors.entrySet()) {
      out.writeUTF(entry.getKey());
      long[] shape = entry.getValue().shape();
      out.writeInt(shape.length);
      for (long d : shape) {
        out.writeLong(d);
      }
      for (float v : entry.getValue().values()) {
        out.writeFloat(v);
      }
    }
    out.flush();
  }

  public static Map<String, Tensor> read(Path file) throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    long fileSize = Files.size(file);
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      if (in.readLong() != MAGIC) {
        throw new IOException(file + " is not a Mentor parameter file (bad magic)");
      }
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        int rank = in.readInt();
        if (rank < 0 || rank > 8) {
          throw new IOException(file + " is corrupt: tensor '" + name + "' claims rank " + rank);
        }
        long[] shape = new long[rank];
        long size = 1;
        for (int d = 0; d < shape.length; d++) {
          shape[d] = in.readLong();
          if (shape[d] < 0 || shape[d] > fileSize / 4) {
            throw new IOException(file + " is corrupt: tensor '" + name + "' has dimension " + shape[d]);
          }
          size *= shape[d];
          if (size > fileSize / 4) {
            throw new IOException(file + " is corrupt: tensor '" + name + "' needs more values than the file holds");
          }
        }
        float[] values = new float[Math.toIntExact(size)];
        for (int v = 0; v < values.length; v++) {
          values[v] = in.readFloat();
        }
        tensors.put(name, new Tensor(values, shape));
      }
    } catch (EOFException e) {
      throw new IOException(file + " is truncated", e);
    }
    return tensors;
  }
}
