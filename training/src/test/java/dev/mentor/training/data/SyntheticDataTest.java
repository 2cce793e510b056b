package dev.mentor.training.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SyntheticDataTest {
  @Test
  void generate_sameSeed_givesIdenticalData() {
    SourceData a = SyntheticData.generate(3, 8, 12, 10, 5);
    SourceData b = SyntheticData.generate(3, 8, 12, 10, 5);
    assertThat(a.train().rawPixels()).containsExactly(b.train().rawPixels());
    assertThat(a.test().rawPixels()).containsExactly(b.test().rawPixels());
  }

  @Test
  void generate_otherSeed_givesOtherImages() {
    assertThat(SyntheticData.generate(3, 8, 12, 12, 5).train().rawPixels())
        .isNotEqualTo(SyntheticData.generate(3, 8, 12, 12, 6).train().rawPixels());
  }

  @Test
  void generate_balancesLabelsAndSizesSplits() {
    SourceData data = SyntheticData.generate(4, 10, 28, 28, 1);

    assertThat(data.train().size()).isEqualTo(40);
    assertThat(data.test().size()).isEqualTo(4 * 2);
    int[] counts = new int[4];
    for (int label : data.train().labels()) {
      counts[label]++;
    }
    assertThat(counts).containsOnly(10);
    assertThat(data.classNames()).containsExactly("class-0", "class-1", "class-2", "class-3");
    assertThat(data.test().sampleId(0)).isEqualTo(SourceData.TEST_ID_OFFSET);
    assertThat(data.train().height()).isEqualTo(28);
    for (float v : data.train().rawPixels()) {
      assertThat(v).isBetween(0f, 1f);
    }
  }

  @Test
  void generate_fewPerClass_stillGivesTwoTestSamplesPerClass() {
    assertThat(SyntheticData.generate(2, 3, 8, 8, 1).test().size()).isEqualTo(4);
  }

  @Test
  void generate_classesAreLearnableAboveChanceButNotTrivially() {
    SourceData data = SyntheticData.generate(10, 40, 28, 28, 12345);
    double accuracy = nearestCentroidAccuracy(data);
    assertThat(accuracy).isGreaterThan(0.4).isLessThan(0.97);
  }

  /** Test accuracy of assigning each test image to the class whose mean training image is nearest. */
  private static double nearestCentroidAccuracy(SourceData data) {
    int per = data.train().pixelsPerSample();
    int k = data.numClasses();
    double[][] centroids = new double[k][per];
    int[] counts = new int[k];
    float[] train = data.train().rawPixels();
    for (int i = 0; i < data.train().size(); i++) {
      int label = data.train().label(i);
      counts[label]++;
      for (int p = 0; p < per; p++) {
        centroids[label][p] += train[i * per + p];
      }
    }
    float[] test = data.test().rawPixels();
    int correct = 0;
    for (int i = 0; i < data.test().size(); i++) {
      int best = -1;
      double bestDistance = Double.MAX_VALUE;
      for (int c = 0; c < k; c++) {
        double distance = 0;
        for (int p = 0; p < per; p++) {
          double d = test[i * per + p] - centroids[c][p] / counts[c];
          distance += d * d;
        }
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      correct += best == data.test().label(i) ? 1 : 0;
    }
    return correct / (double) data.test().size();
  }
}
