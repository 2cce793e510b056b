package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvSourceTest {
  @TempDir Path dir;

  private void files(String train, String test) throws IOException {
    Files.writeString(dir.resolve("train.csv"), train);
    Files.writeString(dir.resolve("test.csv"), test);
  }

  @Test
  void load_skipsHeaderAndInfersSquareSize() throws IOException {
    files("label,p1,p2,p3,p4\n2,0,255,51,102\n0,255,255,255,255\n\n", "1,0,0,0,0\n");

    SourceData data = CsvSource.load(dir, null, null);

    assertThat(data.train().height()).isEqualTo(2);
    assertThat(data.train().width()).isEqualTo(2);
    assertThat(data.train().labels()).containsExactly(2, 0);
    assertThat(data.train().rawPixels())
        .containsExactly(new float[] {0f, 1f, 0.2f, 0.4f, 1f, 1f, 1f, 1f}, offset(1e-6f));
    assertThat(data.test().labels()).containsExactly(1);
    assertThat(data.test().sampleIds()).containsExactly(SourceData.TEST_ID_OFFSET);
    assertThat(data.classNames()).containsExactly("class-0", "class-1", "class-2");
  }

  @Test
  void load_givenSize_readsNonSquareImages() throws IOException {
    files("0,1,2,3,4,5,6\n", "1,6,5,4,3,2,1\n");

    SourceData data = CsvSource.load(dir, 2, 3);

    assertThat(data.train().height()).isEqualTo(2);
    assertThat(data.train().width()).isEqualTo(3);
  }

  @Test
  void load_nonSquarePixelCountWithoutSize_failsAskingForHeightAndWidth() throws IOException {
    files("0,1,2,3,4,5,6\n", "1,6,5,4,3,2,1\n");

    assertThatThrownBy(() -> CsvSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining("6 pixel columns do not form a square image")
        .hasMessageContaining("data.height");
  }

  @Test
  void load_wrongColumnCount_failsWithFileAndLineNumber() throws IOException {
    files("label,a,b,c,d\n0,1,2,3,4\n1,1,2,3\n", "0,1,2,3,4\n");

    assertThatThrownBy(() -> CsvSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(dir.resolve("train.csv") + ":3: expected 5 columns")
        .hasMessageContaining("found 4");
  }

  @Test
  void load_negativeLabel_failsWithLineNumber() throws IOException {
    files("0,1,2,3,4\n", "0,1,2,3,4\n-1,1,2,3,4\n");

    assertThatThrownBy(() -> CsvSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(dir.resolve("test.csv") + ":2: label '-1' is not an integer >= 0");
  }

  @Test
  void load_pixelOutOfRange_failsWithLineAndColumn() throws IOException {
    files("0,1,2,300,4\n", "0,1,2,3,4\n");

    assertThatThrownBy(() -> CsvSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(":1, column 4: pixel value '300'");
  }

  @Test
  void load_missingTestFile_failsNamingIt() throws IOException {
    Files.writeString(dir.resolve("train.csv"), "0,1,2,3,4\n");

    assertThatThrownBy(() -> CsvSource.load(dir, null, null))
        .isInstanceOf(DataException.class)
        .hasMessageContaining(dir.resolve("test.csv") + ": file not found");
  }
}
