package dev.mentor.training.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.function.Consumer;

/**
 * Arrays filled through one reused direct buffer: the engine takes a direct buffer without a copy,
 * so no native memory is left for the garbage collector (see Batches). One array at a time: the
 * next call overwrites the buffer.
 */
final class DirectArrays {
  private ByteBuffer bytes;

  NDArray create(int floats, Consumer<FloatBuffer> fill, Shape shape, NDManager step) {
    if (bytes == null || bytes.capacity() < floats * Float.BYTES) {
      bytes = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
    }
    bytes.clear();
    fill.accept(bytes.asFloatBuffer());
    bytes.limit(floats * Float.BYTES);
    return step.create(bytes, shape, DataType.FLOAT32);
  }
}
