package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageSetTest {
  private static ImageSet threeSamples() {
    float[] pixels = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
    return new ImageSet(pixels, new int[] {2, 0, 1}, new long[] {10, 11, 12}, 1, 1, 2);
  }

  @Test
  void constructor_pixelCountNotMatchingShape_failsWithExpectedCount() {
    assertThatThrownBy(() -> new ImageSet(new float[5], new int[3], new long[3], 1, 1, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("= 6 pixel values, got 5");
  }

  @Test
  void constructor_labelAndIdCountsDiffer_fails() {
    assertThatThrownBy(() -> new ImageSet(new float[6], new int[3], new long[2], 1, 1, 2))
        .hasMessageContaining("3 labels but 2 sample ids");
  }

  @Test
  void constructor_negativeLabel_fails() {
    assertThatThrownBy(() -> new ImageSet(new float[2], new int[] {-1}, new long[1], 1, 1, 2))
        .hasMessageContaining("label of sample 0 must be >= 0");
  }

  @Test
  void constructor_copiesInputs_soLaterChangesDoNotLeakIn() {
    float[] pixels = {0.5f, 0.5f};
    int[] labels = {1};
    ImageSet set = new ImageSet(pixels, labels, new long[] {0}, 1, 1, 2);
    pixels[0] = 0f;
    labels[0] = 7;
    assertThat(set.rawPixels()[0]).isEqualTo(0.5f);
    assertThat(set.label(0)).isEqualTo(1);
  }

  @Test
  void labelsAndSampleIds_returnCopies() {
    ImageSet set = threeSamples();
    set.labels()[0] = 9;
    set.sampleIds()[0] = 99;
    assertThat(set.label(0)).isEqualTo(2);
    assertThat(set.sampleId(0)).isEqualTo(10);
  }

  @Test
  void pixelsOf_copiesOneSampleAtOffset() {
    float[] dst = new float[4];
    threeSamples().pixelsOf(1, dst, 1);
    assertThat(dst).containsExactly(0f, 0.3f, 0.4f, 0f);
  }

  @Test
  void subset_keepsPixelsLabelsAndIdsInRequestedOrder() {
    ImageSet subset = threeSamples().subset(new int[] {2, 0});
    assertThat(subset.size()).isEqualTo(2);
    assertThat(subset.rawPixels()).containsExactly(0.5f, 0.6f, 0.1f, 0.2f);
    assertThat(subset.labels()).containsExactly(1, 2);
    assertThat(subset.sampleIds()).containsExactly(12, 10);
  }

  @Test
  void subset_indexOutOfRange_fails() {
    assertThatThrownBy(() -> threeSamples().subset(new int[] {3})).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void withLabels_replacesLabelsOnly() {
    ImageSet relabelled = threeSamples().withLabels(new int[] {5, 6, 7});
    assertThat(relabelled.labels()).containsExactly(5, 6, 7);
    assertThat(relabelled.sampleIds()).containsExactly(10, 11, 12);
    assertThat(relabelled.rawPixels()).containsExactly(threeSamples().rawPixels());
  }

  @Test
  void withPixels_replacesPixelsAndCopiesThem() {
    float[] pixels = {1, 1, 1, 1, 1, 1};
    ImageSet replaced = threeSamples().withPixels(pixels);
    pixels[0] = 0;
    assertThat(replaced.rawPixels()).containsOnly(1f);
    assertThat(replaced.labels()).containsExactly(2, 0, 1);
  }

  @Test
  void concat_appendsSecondSetAfterFirst() {
    ImageSet a = threeSamples();
    ImageSet b = new ImageSet(new float[] {0.9f, 1f}, new int[] {4}, new long[] {20}, 1, 1, 2);
    ImageSet both = ImageSet.concat(a, b);
    assertThat(both.size()).isEqualTo(4);
    assertThat(both.labels()).containsExactly(2, 0, 1, 4);
    assertThat(both.sampleIds()).containsExactly(10, 11, 12, 20);
    assertThat(both.rawPixels()).containsExactly(0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.9f, 1f);
  }

  @Test
  void concat_differentSampleShapes_failsNamingBoth() {
    ImageSet b = new ImageSet(new float[2], new int[1], new long[1], 1, 2, 1);
    assertThatThrownBy(() -> ImageSet.concat(threeSamples(), b)).hasMessageContaining("1x1x2 and 1x2x1");
  }

  @Test
  void shapeAccessors_describeOneSample() {
    ImageSet set = new ImageSet(new float[2 * 3 * 4 * 5], new int[2], new long[2], 3, 4, 5);
    assertThat(set.channels()).isEqualTo(3);
    assertThat(set.height()).isEqualTo(4);
    assertThat(set.width()).isEqualTo(5);
    assertThat(set.pixelsPerSample()).isEqualTo(60);
  }
}
