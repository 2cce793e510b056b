package dev.mentor.training.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.training.engine.ParameterFile.Tensor;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ParameterFileTest {
  @TempDir Path dir;

  private static Map<String, Tensor> sample() {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("stage1/01Conv2d_weight", new Tensor(new float[] {1.5f, -2f, 0f, -0f, Float.MIN_VALUE, Float.MAX_VALUE}, new long[] {2, 1, 3}));
    tensors.put("head/bias", new Tensor(new float[] {Float.NaN, Float.NEGATIVE_INFINITY, 3.25f}, new long[] {3}));
    tensors.put("scalar ünïcode", new Tensor(new float[] {42f}, new long[] {}));
    tensors.put("empty", new Tensor(new float[0], new long[] {0, 4}));
    return tensors;
  }

  @Test
  void writeThenRead_returnsEveryNameShapeAndBitInOrder() throws IOException {
    Path file = dir.resolve("model.params");
    Map<String, Tensor> written = sample();
    ParameterFile.write(file, written);

    Map<String, Tensor> read = ParameterFile.read(file);

    assertThat(read.keySet()).containsExactlyElementsOf(written.keySet());
    written.forEach((name, t) -> {
      assertThat(read.get(name).shape()).as(name).containsExactly(t.shape());
      int[] expectedBits = new int[t.values().length];
      int[] actualBits = new int[t.values().length];
      for (int i = 0; i < expectedBits.length; i++) {
        expectedBits[i] = Float.floatToRawIntBits(t.values()[i]);
        actualBits[i] = Float.floatToRawIntBits(read.get(name).values()[i]);
      }
      assertThat(actualBits).as(name).containsExactly(expectedBits);
    });
  }

  @Test
  void write_replacesAnExistingFileWhole() throws IOException {
    Path file = dir.resolve("model.params");
    ParameterFile.write(file, sample());
    Map<String, Tensor> small = Map.of("only", new Tensor(new float[] {7f}, new long[] {1}));
    ParameterFile.write(file, small);
    Map<String, Tensor> read = ParameterFile.read(file);
    assertThat(read.keySet()).containsExactly("only");
    assertThat(read.get("only").values()).containsExactly(7f);
  }

  @Test
  void read_truncatedFile_failsWithIOExceptionNamingTheFile() throws IOException {
    Path file = dir.resolve("model.params");
    ParameterFile.write(file, sample());
    byte[] bytes = Files.readAllBytes(file);
    Path cut = dir.resolve("cut.params");
    for (int length : new int[] {0, 4, 12, 20, bytes.length - 1}) {
      Files.write(cut, Arrays.copyOf(bytes, length));
      assertThatThrownBy(() -> ParameterFile.read(cut))
          .as("cut at %d of %d bytes", length, bytes.length)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(cut.toString())
          .hasMessageContaining("truncated");
    }
  }

  @Test
  void read_badMagic_failsWithIOExceptionNamingTheFile() throws IOException {
    Path file = dir.resolve("model.params");
    ParameterFile.write(file, sample());
    byte[] bytes = Files.readAllBytes(file);
    bytes[0] ^= 0x20;
    Path bad = dir.resolve("bad.params");
    Files.write(bad, bytes);
    assertThatThrownBy(() -> ParameterFile.read(bad))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(bad.toString())
        .hasMessageContaining("magic");

    Path text = dir.resolve("notes.txt");
    Files.writeString(text, "this is not a parameter file at all");
    assertThatThrownBy(() -> ParameterFile.read(text))
        .isInstanceOf(IOException.class)
        .hasMessageContaining(text.toString());
  }

  @Test
  void read_corruptDimension_failsWithIOExceptionNamingTheFile() throws IOException {
    for (long dim : new long[] {-1, 1L << 40}) {
      Path file = dir.resolve("corrupt.params");
      try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
        out.writeLong(0x4D4E545250415231L); // valid magic
        out.writeInt(1);
        out.writeUTF("w");
        out.writeInt(1);
        out.writeLong(dim);
        out.writeFloat(1f);
      }
      assertThatThrownBy(() -> ParameterFile.read(file))
          .as("dimension %d", dim)
          .isInstanceOf(IOException.class)
          .hasMessageContaining(file.toString());
    }
  }

  @Test
  void file_startsWithTheMagicMNTRPAR1() throws IOException {
    Path file = dir.resolve("model.params");
    ParameterFile.write(file, sample());
    byte[] head = Arrays.copyOf(Files.readAllBytes(file), 12);
    assertThat(new String(head, 0, 8, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("MNTRPAR1");
    assertThat(ByteBuffer.wrap(head, 8, 4).getInt()).isEqualTo(4);
  }

  @Test
  void tensor_rejectsValuesThatDoNotFillTheShape() {
    assertThatThrownBy(() -> new Tensor(new float[5], new long[] {2, 3}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("[2, 3]")
        .hasMessageContaining("6")
        .hasMessageContaining("5");
  }
}
