package dev.mentor.messages.tensor;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The binary wire format of a {@link TensorFrame}, little-endian:
 * <pre>
 *   magic "MTF1" (4 bytes) | version u16 (= 2) | dtype u8 (0 float32, 1 float16) | rank u8
 *   experiment, arm, role, kind, name: each u16 length + UTF-8 bytes (version 1 frames, still
 *   read, have no name: it is their kind)
 *   epoch i32 | batch i32 | sample count i32 | sample ids i64 × count
 *   shape i64 × rank | payload: prod(shape) elements of dtype
 * </pre>
 * Float16 is IEEE 754 binary16 with round-to-nearest-even, subnormals, infinities and NaN
 * kept. A frame that is truncated, has trailing bytes, another magic or version, or a shape that
 * disagrees with its payload is rejected with the reason, never decoded into wrong numbers.
 */
public final class TensorFrameCodec {
  public static final int VERSION = 2;
  private static final byte[] MAGIC = "MTF1".getBytes(StandardCharsets.US_ASCII);

  private TensorFrameCodec() {}

  public static byte[] encode(TensorFrame frame) {
    byte[][] strings = {utf8(frame.experiment()), utf8(frame.arm()), utf8(frame.role()), utf8(frame.kind()), utf8(frame.name())};
    int size = MAGIC.length + 2 + 1 + 1 + 4 + 4 + 4 + 8 * frame.sampleIds().length + 8 * frame.shape().length
        + frame.values().length * frame.dtype().bytes;
    for (byte[] s : strings) {
      size += 2 + s.length;
    }
    ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    out.put(MAGIC).putShort((short) VERSION).put((byte) frame.dtype().code).put((byte) frame.shape().length);
    for (byte[] s : strings) {
      if (s.length > 0xFFFF) {
        throw new IllegalArgumentException("a frame's names must be under 64 KiB");
      }
      out.putShort((short) s.length).put(s);
    }
    out.putInt(frame.epoch()).putInt(frame.batch()).putInt(frame.sampleIds().length);
    for (long id : frame.sampleIds()) {
      out.putLong(id);
    }
    for (long d : frame.shape()) {
      out.putLong(d);
    }
    if (frame.dtype() == TensorFrame.DType.FLOAT32) {
      out.asFloatBuffer().put(frame.values());
      out.position(out.position() + 4 * frame.values().length);
    } else {
      for (float v : frame.values()) {
        out.putShort(toHalf(v));
      }
    }
    return out.array();
  }

  public static TensorFrame decode(byte[] bytes) {
    ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    try {
      byte[] magic = new byte[MAGIC.length];
      in.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IllegalArgumentException("not a Mentor tensor frame (bad magic)");
      }
      int version = Short.toUnsignedInt(in.getShort());
      if (version != VERSION && version != 1) {
        throw new IllegalArgumentException("tensor frame version " + version + "; this Mentor reads versions 1 and " + VERSION);
      }
      TensorFrame.DType dtype = TensorFrame.DType.of(Byte.toUnsignedInt(in.get()));
      int rank = Byte.toUnsignedInt(in.get());
      String experiment = string(in);
      String arm = string(in);
      String role = string(in);
      String kind = string(in);
      String name = version == 1 ? kind : string(in);
      int epoch = in.getInt();
      int batch = in.getInt();
      int count = in.getInt();
      if (count < 0 || count > in.remaining() / 8) {
        throw new IllegalArgumentException("sample count " + count + " does not fit the frame");
      }
      long[] ids = new long[count];
      for (int i = 0; i < count; i++) {
        ids[i] = in.getLong();
      }
      long[] shape = new long[rank];
      long elements = 1;
      for (int i = 0; i < rank; i++) {
        shape[i] = in.getLong();
        if (shape[i] < 0) {
          throw new IllegalArgumentException("negative dimension in the frame's shape");
        }
        elements = Math.multiplyExact(elements, shape[i]);
      }
      if (elements * dtype.bytes != in.remaining()) {
        throw new IllegalArgumentException("the frame's shape needs " + elements * dtype.bytes + " payload bytes, it has " + in.remaining());
      }
      float[] values = new float[(int) elements];
      if (dtype == TensorFrame.DType.FLOAT32) {
        in.asFloatBuffer().get(values);
      } else {
        for (int i = 0; i < values.length; i++) {
          values[i] = fromHalf(in.getShort());
        }
      }
      return new TensorFrame(experiment, arm, role, kind, epoch, batch, ids, dtype, shape, values, name);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated tensor frame (" + bytes.length + " bytes)");
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String string(ByteBuffer in) {
    int length = Short.toUnsignedInt(in.getShort());
    byte[] b = new byte[length];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  /** IEEE 754 binary16 bits of {@code value}, rounded to nearest even. */
  static short toHalf(float value) {
    int bits = Float.floatToRawIntBits(value);
    int sign = (bits >>> 16) & 0x8000;
    int exponent = (bits >>> 23) & 0xFF;
    int mantissa = bits & 0x7FFFFF;
    if (exponent == 0xFF) {
      return (short) (sign | 0x7C00 | (mantissa != 0 ? 0x200 | (mantissa >>> 13) : 0));
    }
    int e = exponent - 127 + 15;
    if (e >= 0x1F) {
      return (short) (sign | 0x7C00);
    }
    if (e <= 0) {
      if (e < -10) {
        return (short) sign;
      }
      int m = mantissa | 0x800000;
      int shift = 14 - e;
      int half = m >>> shift;
      int remainder = m & ((1 << shift) - 1);
      int halfway = 1 << (shift - 1);
      if (remainder > halfway || (remainder == halfway && (half & 1) != 0)) {
        half++;
      }
      return (short) (sign | half);
    }
    int half = (e << 10) | (mantissa >>> 13);
    int remainder = mantissa & 0x1FFF;
    if (remainder > 0x1000 || (remainder == 0x1000 && (half & 1) != 0)) {
      half++;
    }
    return (short) (sign | half);
  }

  static float fromHalf(short bits) {
    int h = Short.toUnsignedInt(bits);
    int sign = (h & 0x8000) << 16;
    int exponent = (h >>> 10) & 0x1F;
    int mantissa = h & 0x3FF;
    if (exponent == 0x1F) {
      return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
    }
    if (exponent == 0) {
      if (mantissa == 0) {
        return Float.intBitsToFloat(sign);
      }
      float value = mantissa / 1024f / 16384f;
      return sign != 0 ? -value : value;
    }
    return Float.intBitsToFloat(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
  }
}
