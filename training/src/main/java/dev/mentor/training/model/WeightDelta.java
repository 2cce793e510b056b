package dev.mentor.training.model;

import dev.mentor.training.engine.Float16;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * A fine-tuned model's weights stored as their difference to the weights they started from (the
 * base), so that many variants of one pretrained model cost one copy of it plus what each changed.
 * Each tensor is stored as one of: unchanged (bit-identical to the base's: nothing stored, which is
 * how a linear probe or partial fine-tuning stores only the stages it trained), new (no base tensor
 * of that name and shape, e.g. a head for other classes: stored whole, float32), or a change, in
 * the {@link Mode}'s form: {@code lossless} (the XOR of the float32 bit patterns, which decodes
 * bit-identically), {@code fp16} (the difference rounded to IEEE half precision, after a
 * per-tensor power-of-two scale that keeps small changes out of the halves' subnormals) or
 * {@code sparse:K} (the K% largest differences by magnitude, per tensor, as index and float32
 * value). Mentor's own tensors ({@code mentor.classes}, {@code mentor.normalization}) are always
 * stored losslessly, and so is any tensor whose difference a half cannot hold. Payloads are
 * byte-plane shuffled (all top bytes, then the next...: the XOR of nearby floats is mostly zero in
 * its top bytes) and deflated.
 *
 * <p>The file names its base by digest: the SHA-256 of the base's {@link ParameterFile}, byte for
 * byte as {@link ParameterFile#toBytes} makes it (for a file written by Mentor: its bytes). It also
 * holds a path to the base relative to its own folder (Mentor's: {@code ../bases/<digest>.params}),
 * and the SHA-256 of the weights it decodes to (for {@code lossless}: of the original weights
 * file, so an unpacked file is byte-identical to the one packed). Decoding refuses a base whose
 * digest differs from the recorded one, and a file that is truncated, corrupt or decodes to other
 * weights than recorded: it never hands out weights built on the wrong base.
 *
 * <p>Layout: magic "MNTRDLT1", then UTF strings mode, base digest, base reference, target digest,
 * the tensor count, and per tensor: UTF name, kind byte, rank, dims, and for a stored kind the
 * length and bytes of its deflated payload.
 */
public final class WeightDelta {
  /** The file a packed weights file {@code model.params} is replaced by: {@code model.delta}. */
  public static final String EXTENSION = ".delta";

  private static final long MAGIC = 0x4D4E5452444C5431L;
  private static final String OWN_TENSORS = "mentor.";
  private static final float HALF_MAX = 65504f;

  private WeightDelta() {}

  /** How a tensor's change from its base is stored. */
  public record Mode(String name, int percent) {
    public static final Mode LOSSLESS = new Mode("lossless", 100);
    public static final Mode FP16 = new Mode("fp16", 100);

    public Mode {
      if (!List.of("lossless", "fp16", "sparse").contains(name)) {
        throw new IllegalArgumentException("mode must be one of lossless, fp16, sparse:K (K in 1..100, percent of changes kept), got " + name);
      }
      if (percent < 1 || percent > 100) {
        throw new IllegalArgumentException("mode sparse:K keeps K percent of each tensor's changes, K in 1..100, got " + percent);
      }
    }

    /** {@code lossless}, {@code fp16} or {@code sparse:K}. */
    public static Mode parse(String text) {
      String t = text.strip().toLowerCase(Locale.ROOT);
      if (t.equals("lossless")) {
        return LOSSLESS;
      }
      if (t.equals("fp16")) {
        return FP16;
      }
      if (t.startsWith("sparse:")) {
        try {
          return new Mode("sparse", Integer.parseInt(t.substring("sparse:".length())));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("mode sparse:K needs a whole percent K in 1..100, got '" + text + "'");
        }
      }
      throw new IllegalArgumentException("mode must be one of lossless, fp16, sparse:K (K in 1..100, percent of changes kept), got '" + text + "'");
    }

    public boolean isLossless() {
      return name.equals("lossless");
    }

    @Override
    public String toString() {
      return name.equals("sparse") ? "sparse:" + percent : name;
    }
  }

  /** How one tensor is stored in a delta. */
  public enum Kind {
    /** Bit-identical to the base's tensor: nothing stored. */
    UNCHANGED,
    /** No base tensor of that name and shape: stored whole (float32). */
    NEW,
    /** XOR of the float32 bit patterns with the base's: exact. */
    XOR,
    /** Difference to the base in IEEE half precision, scaled per tensor by a power of two. */
    HALF,
    /** The largest differences to the base, as index and float32 value. */
    SPARSE
  }

  /** What a delta file says about itself: its mode, its base, the weights it decodes to, how each tensor is stored. */
  public record Contents(Mode mode, String baseDigest, String baseReference, String targetDigest, Map<String, Kind> tensors) {}

  /** A delta made in memory: its file's bytes and the weights it decodes to. */
  public record Encoded(byte[] bytes, Map<String, Tensor> decoded) {}

  private record Entry(String name, Kind kind, long[] shape, byte[] payload) {}

  /** The delta file that stands for the weights file {@code weights} ({@code model.params} → {@code model.delta}). */
  public static Path deltaOf(Path weights) {
    String name = weights.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return weights.resolveSibling((dot < 0 ? name : name.substring(0, dot)) + EXTENSION);
  }

  /**
   * {@code target} as a delta to {@code base}, whose digest is {@code baseDigest} and which the
   * delta file will find at {@code baseReference} (relative to its own folder).
   */
  public static Encoded encode(Map<String, Tensor> base, String baseDigest, String baseReference, Map<String, Tensor> target, Mode mode) {
    return encode(base, baseDigest, baseReference, target, mode, name -> false);
  }

  /**
   * As above, with the tensors {@code fresh} picks stored whole (as new): those that did not start
   * from the base's, such as a head initialised afresh for the task ({@code keepHead: false}),
   * whose "change" from the base's head is all of it and would lose everything to sparsification.
   */
  public static Encoded encode(Map<String, Tensor> base, String baseDigest, String baseReference, Map<String, Tensor> target, Mode mode,
      Predicate<String> fresh) {
    List<Entry> entries = new ArrayList<>();
    for (Map.Entry<String, Tensor> t : target.entrySet()) {
      Tensor from = fresh.test(t.getKey()) ? null : base.get(t.getKey());
      Entry raw = entry(t.getKey(), from, t.getValue(), t.getKey().startsWith(OWN_TENSORS) ? Mode.LOSSLESS : mode);
      entries.add(raw.kind() == Kind.UNCHANGED ? raw : new Entry(raw.name(), raw.kind(), raw.shape(), deflate(raw.payload())));
    }
    Map<String, Tensor> decoded;
    try {
      decoded = apply(base, entries, "the delta being made");
    } catch (IOException e) {
      throw new IllegalStateException("a delta just made does not decode: " + e.getMessage(), e);
    }
    byte[] decodedBytes = ParameterFile.toBytes(decoded);
    if (mode.isLossless() && !Arrays.equals(decodedBytes, ParameterFile.toBytes(target))) {
      throw new IllegalStateException("a lossless delta does not decode to the weights it was made of");
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeLong(MAGIC);
      out.writeUTF(mode.toString());
      out.writeUTF(baseDigest);
      out.writeUTF(baseReference);
      out.writeUTF(ParameterFile.sha256(decodedBytes));
      out.writeInt(entries.size());
      for (Entry e : entries) {
        out.writeUTF(e.name());
        out.writeByte(e.kind().ordinal());
        out.writeInt(e.shape().length);
        for (long d : e.shape()) {
          out.writeLong(d);
        }
        if (e.kind() != Kind.UNCHANGED) {
          out.writeInt(e.payload().length);
          out.write(e.payload());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Encoded(bytes.toByteArray(), decoded);
  }

  /** The header of a delta file and how it stores each tensor, without decoding anything. */
  public static Contents contents(Path delta) throws IOException {
    return parse(Files.readAllBytes(delta), delta.toString()).contents();
  }

  /** The header of delta bytes made by {@link #encode} and how they store each tensor. */
  public static Contents contents(byte[] delta) throws IOException {
    return parse(delta, "delta").contents();
  }

  /** The file a delta file names as its base, resolved against the delta's folder. */
  public static Path baseFile(Path delta) throws IOException {
    return delta.toAbsolutePath().getParent().resolve(contents(delta).baseReference()).normalize();
  }

  /** The weights the delta file {@code delta} stands for, built on the base file it names. */
  public static Map<String, Tensor> decode(Path delta) throws IOException {
    return decode(delta, baseFile(delta));
  }

  /**
   * The weights the delta file {@code delta} stands for, built on {@code baseFile}; refused, naming
   * both files and digests, when that file is not the base the delta was made against.
   */
  public static Map<String, Tensor> decode(Path delta, Path baseFile) throws IOException {
    Parsed parsed = parse(Files.readAllBytes(delta), delta.toString());
    if (!Files.isRegularFile(baseFile)) {
      throw new NoSuchFileException(baseFile.toString(), null, "the base weights of " + delta + " (digest " + parsed.contents().baseDigest()
          + ") do not exist");
    }
    byte[] baseBytes = Files.readAllBytes(baseFile);
    String found = ParameterFile.sha256(baseBytes);
    if (!found.equals(parsed.contents().baseDigest())) {
      throw new IOException("base digest mismatch: " + delta + " was made against base weights with digest " + parsed.contents().baseDigest()
          + ", but " + baseFile + " has digest " + found + "; refusing to build weights on another base");
    }
    return finish(parsed, ParameterFile.read(baseFile), delta.toString());
  }

  /** The weights delta bytes made by {@link #encode} stand for, on {@code base} (whose digest must be the recorded one). */
  public static Map<String, Tensor> decode(byte[] delta, Map<String, Tensor> base) throws IOException {
    Parsed parsed = parse(delta, "delta");
    String found = ParameterFile.sha256(ParameterFile.toBytes(base));
    if (!found.equals(parsed.contents().baseDigest())) {
      throw new IOException("base digest mismatch: the delta was made against base weights with digest " + parsed.contents().baseDigest()
          + ", these have digest " + found);
    }
    return finish(parsed, base, "delta");
  }

  private record Parsed(Contents contents, List<Entry> entries) {}

  private static Map<String, Tensor> finish(Parsed parsed, Map<String, Tensor> base, String source) throws IOException {
    Map<String, Tensor> decoded = apply(base, parsed.entries(), source);
    String digest = ParameterFile.sha256(ParameterFile.toBytes(decoded));
    if (!digest.equals(parsed.contents().targetDigest())) {
      throw new IOException(source + " is corrupt: it decodes to weights with digest " + digest + ", it records " + parsed.contents().targetDigest());
    }
    return decoded;
  }

  private static Entry entry(String name, Tensor from, Tensor to, Mode mode) {
    long[] shape = to.shape();
    float[] t = to.values();
    if (from == null || !Arrays.equals(from.shape(), shape)) {
      return new Entry(name, Kind.NEW, shape, planes(bits(t)));
    }
    float[] b = from.values();
    int[] xor = new int[t.length];
    boolean changed = false;
    for (int i = 0; i < t.length; i++) {
      xor[i] = Float.floatToRawIntBits(t[i]) ^ Float.floatToRawIntBits(b[i]);
      changed |= xor[i] != 0;
    }
    if (!changed) {
      return new Entry(name, Kind.UNCHANGED, shape, new byte[0]);
    }
    if (mode.isLossless()) {
      return new Entry(name, Kind.XOR, shape, planes(xor));
    }
    float[] difference = new float[t.length];
    for (int i = 0; i < t.length; i++) {
      difference[i] = t[i] - b[i];
      if (!(Math.abs(difference[i]) <= HALF_MAX)) {
        // Infinite, NaN or beyond a half's range: no lossy form holds it; keep it exact.
        return new Entry(name, Kind.XOR, shape, planes(xor));
      }
    }
    return mode.name().equals("fp16") ? new Entry(name, Kind.HALF, shape, scaledHalves(difference))
        : new Entry(name, Kind.SPARSE, shape, sparse(difference, mode.percent()));
  }

  private static Map<String, Tensor> apply(Map<String, Tensor> base, List<Entry> entries, String source) throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Entry e : entries) {
      int n = Math.toIntExact(size(e.shape()));
      Tensor from = base.get(e.name());
      if (e.kind() != Kind.NEW && (from == null || !Arrays.equals(from.shape(), e.shape()))) {
        throw new IOException(source + " changes tensor '" + e.name() + "' " + Arrays.toString(e.shape()) + ", which its base does not have"
            + (from == null ? "" : " in that shape (" + Arrays.toString(from.shape()) + ")"));
      }
      float[] values = switch (e.kind()) {
        case UNCHANGED -> from.values().clone();
        case NEW -> floats(unplanes(e.payload(), n, 4, source, e.name()));
        case XOR -> {
          int[] xor = unplanes(e.payload(), n, 4, source, e.name());
          float[] v = new float[n];
          for (int i = 0; i < n; i++) {
            v[i] = Float.intBitsToFloat(Float.floatToRawIntBits(from.values()[i]) ^ xor[i]);
          }
          yield v;
        }
        case HALF -> unscaledHalves(e.payload(), from.values(), source, e.name());
        case SPARSE -> unsparse(e.payload(), from.values(), source, e.name());
      };
      out.put(e.name(), new Tensor(values, e.shape()));
    }
    return out;
  }

  private static Parsed parse(byte[] bytes, String source) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      if (bytes.length < 8 || in.readLong() != MAGIC) {
        throw new IOException(source + " is not a Mentor weight delta (bad magic)");
      }
      Mode mode;
      try {
        mode = Mode.parse(in.readUTF());
      } catch (IllegalArgumentException e) {
        throw new IOException(source + " is corrupt: " + e.getMessage(), e);
      }
      String baseDigest = in.readUTF();
      String baseReference = in.readUTF();
      String targetDigest = in.readUTF();
      int count = in.readInt();
      if (count < 0 || count > bytes.length) {
        throw new IOException(source + " is corrupt: it claims " + count + " tensors");
      }
      List<Entry> entries = new ArrayList<>(count);
      Map<String, Kind> kinds = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String name = in.readUTF();
        int kind = in.readUnsignedByte();
        if (kind >= Kind.values().length) {
          throw new IOException(source + " is corrupt: tensor '" + name + "' has kind " + kind);
        }
        int rank = in.readInt();
        if (rank < 0 || rank > 8) {
          throw new IOException(source + " is corrupt: tensor '" + name + "' claims rank " + rank);
        }
        long[] shape = new long[rank];
        for (int d = 0; d < rank; d++) {
          shape[d] = in.readLong();
          if (shape[d] < 0 || shape[d] > Integer.MAX_VALUE) {
            throw new IOException(source + " is corrupt: tensor '" + name + "' has dimension " + shape[d]);
          }
        }
        if (size(shape) > Integer.MAX_VALUE / 4) {
          throw new IOException(source + " is corrupt: tensor '" + name + "' has shape " + Arrays.toString(shape));
        }
        byte[] payload = new byte[0];
        if (kind != Kind.UNCHANGED.ordinal()) {
          int length = in.readInt();
          if (length < 0 || length > in.available()) {
            throw new IOException(source + " is truncated: tensor '" + name + "' needs " + length + " bytes, " + in.available() + " are left");
          }
          payload = in.readNBytes(length);
        }
        entries.add(new Entry(name, Kind.values()[kind], shape, payload));
        kinds.put(name, Kind.values()[kind]);
      }
      if (in.available() > 0) {
        throw new IOException(source + " is corrupt: " + in.available() + " bytes follow its last tensor");
      }
      return new Parsed(new Contents(mode, baseDigest, baseReference, targetDigest, kinds), entries);
    } catch (EOFException e) {
      throw new IOException(source + " is truncated", e);
    }
  }

  private static long size(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  private static float[] floats(int[] bits) {
    float[] values = new float[bits.length];
    for (int i = 0; i < bits.length; i++) {
      values[i] = Float.intBitsToFloat(bits[i]);
    }
    return values;
  }

  /** 32-bit words as four byte planes, most significant first. */
  private static byte[] planes(int[] words) {
    int n = words.length;
    byte[] out = new byte[4 * n];
    for (int i = 0; i < n; i++) {
      out[i] = (byte) (words[i] >>> 24);
      out[n + i] = (byte) (words[i] >>> 16);
      out[2 * n + i] = (byte) (words[i] >>> 8);
      out[3 * n + i] = (byte) words[i];
    }
    return out;
  }

  /**
   * The differences times a power of two that puts the largest in [2^14, 2^15) (exact: only the
   * exponent moves), as halves in two byte planes after that power's exponent (one byte). Unscaled,
   * a fine-tuning's changes, often below 2^-14, would fall among the halves' subnormals and keep
   * only a few bits; scaled, every change within 2^-29 of the largest keeps a half's 11.
   */
  private static byte[] scaledHalves(float[] difference) {
    float largest = 0;
    for (float d : difference) {
      largest = Math.max(largest, Math.abs(d));
    }
    int scale = largest == 0 ? 0 : 14 - Math.getExponent(largest);
    int n = difference.length;
    byte[] out = new byte[1 + 2 * n];
    out[0] = (byte) scale;
    for (int i = 0; i < n; i++) {
      short h = Float16.fromFloat(Math.scalb(difference[i], scale));
      out[1 + i] = (byte) (h >>> 8);
      out[1 + n + i] = (byte) h;
    }
    return out;
  }

  private static float[] unscaledHalves(byte[] payload, float[] base, String source, String name) throws IOException {
    int n = base.length;
    byte[] raw = inflate(payload, 1 + 2L * n, source, name);
    if (raw.length != 1 + 2 * n) {
      throw new IOException(source + " is corrupt: tensor '" + name + "' holds " + raw.length + " bytes, its shape needs " + (1 + 2 * n));
    }
    int scale = raw[0];
    float[] values = new float[n];
    for (int i = 0; i < n; i++) {
      short h = (short) (((raw[1 + i] & 0xff) << 8) | (raw[1 + n + i] & 0xff));
      values[i] = base[i] + Math.scalb(Float16.toFloat(h), -scale);
    }
    return values;
  }

  /** {@code n} words of {@code width} bytes from the deflated planes of a payload. */
  private static int[] unplanes(byte[] payload, int n, int width, String source, String name) throws IOException {
    byte[] raw = inflate(payload, (long) n * width, source, name);
    if (raw.length != n * width) {
      throw new IOException(source + " is corrupt: tensor '" + name + "' holds " + raw.length + " bytes, its shape needs " + n * width);
    }
    int[] words = new int[n];
    for (int i = 0; i < n; i++) {
      int w = 0;
      for (int p = 0; p < width; p++) {
        w = (w << 8) | (raw[p * n + i] & 0xff);
      }
      words[i] = w;
    }
    return words;
  }

  /** The {@code percent}% largest differences by magnitude: their count, index gaps (varints), then values as four byte planes. */
  private static byte[] sparse(float[] difference, int percent) {
    int n = difference.length;
    int keep = (int) Math.min(n, Math.max(1, Math.ceil(n * (percent / 100.0))));
    float[] magnitudes = new float[n];
    for (int i = 0; i < n; i++) {
      magnitudes[i] = Math.abs(difference[i]);
    }
    float[] sorted = magnitudes.clone();
    Arrays.sort(sorted);
    float threshold = sorted[n - keep];
    int above = 0;
    for (float m : magnitudes) {
      above += m > threshold ? 1 : 0;
    }
    int tiesKept = keep - above;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    varint(out, keep);
    int[] values = new int[keep];
    int k = 0;
    int last = -1;
    for (int i = 0; i < n && k < keep; i++) {
      if (magnitudes[i] > threshold || (magnitudes[i] == threshold && tiesKept-- > 0)) {
        varint(out, i - last - 1);
        last = i;
        values[k++] = Float.floatToRawIntBits(difference[i]);
      }
    }
    out.writeBytes(planes(values));
    return out.toByteArray();
  }

  private static float[] unsparse(byte[] payload, float[] base, String source, String name) throws IOException {
    int n = base.length;
    // At most: the count, a 5-byte gap and 4 value bytes per element.
    byte[] raw = inflate(payload, 5 + 9L * n, source, name);
    ByteArrayInputStream in = new ByteArrayInputStream(raw);
    int keep = readVarint(in, source, name);
    if (keep < 0 || keep > n) {
      throw new IOException(source + " is corrupt: tensor '" + name + "' keeps " + keep + " of " + n + " values");
    }
    int[] indices = new int[keep];
    int last = -1;
    for (int k = 0; k < keep; k++) {
      last += readVarint(in, source, name) + 1;
      if (last < 0 || last >= n) {
        throw new IOException(source + " is corrupt: tensor '" + name + "' changes index " + last + " of " + n);
      }
      indices[k] = last;
    }
    byte[] rest = in.readAllBytes();
    if (rest.length != 4 * keep) {
      throw new IOException(source + " is corrupt: tensor '" + name + "' holds " + rest.length + " value bytes for " + keep + " values");
    }
    float[] values = base.clone();
    for (int k = 0; k < keep; k++) {
      int w = ((rest[k] & 0xff) << 24) | ((rest[keep + k] & 0xff) << 16) | ((rest[2 * keep + k] & 0xff) << 8) | (rest[3 * keep + k] & 0xff);
      values[indices[k]] += Float.intBitsToFloat(w);
    }
    return values;
  }

  private static void varint(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7f) != 0) {
      out.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  private static int readVarint(ByteArrayInputStream in, String source, String name) throws IOException {
    int value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      int b = in.read();
      if (b < 0) {
        throw new IOException(source + " is corrupt: tensor '" + name + "' ends inside its indices");
      }
      value |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IOException(source + " is corrupt: tensor '" + name + "' has an overlong index");
  }

  private static byte[] deflate(byte[] raw) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length / 2 + 16);
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    try (DeflaterOutputStream stream = new DeflaterOutputStream(out, deflater, 1 << 16)) {
      stream.write(raw);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      deflater.end();
    }
    return out.toByteArray();
  }

  /** Inflates a payload, refusing one that would grow past {@code limit} bytes (a corrupt or hostile file). */
  private static byte[] inflate(byte[] payload, long limit, String source, String name) throws IOException {
    try (InputStream in = new InflaterInputStream(new ByteArrayInputStream(payload))) {
      byte[] raw = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
      if (raw.length > limit) {
        throw new IOException(source + " is corrupt: tensor '" + name + "' inflates past the " + limit + " bytes its shape allows");
      }
      return raw;
    } catch (java.util.zip.ZipException | EOFException e) {
      throw new IOException(source + " is corrupt: tensor '" + name + "' does not inflate (" + e.getMessage() + ")", e);
    }
  }
}
