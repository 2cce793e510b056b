package dev.mentor.training.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.mentor.messages.record.EnsembleMetrics;
import dev.mentor.messages.record.EnsembleMetrics.EnsembleSizeMetrics;
import dev.mentor.messages.record.EvalMetrics;
import dev.mentor.training.eval.Ensembles.Uncertainty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EnsemblesTest {
  private static final int[] LABELS = {0, 1};
  private static final long[] IDS = {10, 11};

  /**
   * Two members, two samples, three classes; dyadic probabilities, exact in float:
   * <pre>
   * sample  member a            member b            mean
   *   0     0.50 0.25 0.25      0.25 0.50 0.25      0.375 0.375 0.25
   *   1     0.75 0.25 0.00      0.75 0.25 0.00      0.75  0.25  0.00   (members agree)
   * </pre>
   */
  private static Predictions memberA() {
    return new Predictions(new float[] {0.50f, 0.25f, 0.25f, 0.75f, 0.25f, 0f}, LABELS, IDS, 3);
  }

  private static Predictions memberB() {
    return new Predictions(new float[] {0.25f, 0.50f, 0.25f, 0.75f, 0.25f, 0f}, LABELS, IDS, 3);
  }

  private static double plogp(double q) {
    return q * Math.log(q);
  }

  @Test
  void average_isTheMeanProbabilityPerSampleAndClass_keepingLabelsAndIds() {
    Predictions mean = Ensembles.average(List.of(memberA(), memberB()));
    assertThat(mean.probabilities()).containsExactly(0.375f, 0.375f, 0.25f, 0.75f, 0.25f, 0f);
    assertThat(mean.labels()).containsExactly(LABELS);
    assertThat(mean.sampleIds()).containsExactly(IDS);
    assertThat(mean.numClasses()).isEqualTo(3);
  }

  @Test
  void average_ofOneMember_isThatMember() {
    assertThat(Ensembles.average(List.of(memberA())).probabilities()).containsExactly(memberA().probabilities());
  }

  @Test
  void entropy_isTheEntropyOfTheMeanPrediction() {
    Uncertainty u = Ensembles.uncertainty(List.of(memberA(), memberB()));
    double sample0 = -(2 * plogp(0.375) + plogp(0.25));
    double sample1 = -(plogp(0.75) + plogp(0.25)); // the zero class contributes 0·log 0 = 0
    assertThat(u.entropy()).containsExactly(new double[] {sample0, sample1}, within(1e-12));
    assertThat(sample0).isCloseTo(1.08219, within(1e-5)); // 0.75·0.98083 + 0.25·1.38629
    assertThat(sample1).isCloseTo(0.56233, within(1e-5)); // 0.75·0.28768 + 0.25·1.38629
  }

  @Test
  void expectedEntropy_isTheMeanOfTheMembersEntropies() {
    Uncertainty u = Ensembles.uncertainty(List.of(memberA(), memberB()));
    // both members at sample 0 are permutations of (0.5, 0.25, 0.25): H = 0.5·ln 2 + 0.5·ln 4 = 1.5·ln 2
    double sample0 = (-(plogp(0.5) + 2 * plogp(0.25)) - (plogp(0.5) + 2 * plogp(0.25))) / 2;
    double sample1 = -(plogp(0.75) + plogp(0.25));
    assertThat(u.expectedEntropy()).containsExactly(new double[] {sample0, sample1}, within(1e-12));
    assertThat(sample0).isCloseTo(1.5 * Math.log(2), within(1e-12));
  }

  @Test
  void mutualInformation_isEntropyMinusExpectedEntropy() {
    Uncertainty u = Ensembles.uncertainty(List.of(memberA(), memberB()));
    double expected0 = -(2 * plogp(0.375) + plogp(0.25)) - 1.5 * Math.log(2);
    assertThat(u.mutualInformation()[0]).isCloseTo(expected0, within(1e-12));
    assertThat(expected0).isCloseTo(0.04247, within(1e-5)); // 1.08219 − 1.03972
  }

  @Test
  void mutualInformationAndDisagreement_areZero_whereMembersAgree() {
    Uncertainty u = Ensembles.uncertainty(List.of(memberA(), memberB()));
    assertThat(u.mutualInformation()[1]).isZero();
    assertThat(u.disagreement()[1]).isZero();
    Uncertainty same = Ensembles.uncertainty(List.of(memberA(), memberA(), memberA()));
    assertThat(same.mutualInformation()).containsExactly(0.0, 0.0);
    assertThat(same.disagreement()).containsExactly(0.0, 0.0);
  }

  @Test
  void disagreement_sumsThePopulationVarianceOverClasses() {
    // sample 0: class 0 and class 1 each take 0.5 and 0.25 around 0.375 → variance ((0.125)² + (0.125)²) / 2;
    // class 2: both 0.25, variance 0. Dividing by M − 1 instead would double it.
    double classVariance = (0.125 * 0.125 + 0.125 * 0.125) / 2;
    Uncertainty u = Ensembles.uncertainty(List.of(memberA(), memberB()));
    assertThat(u.disagreement()[0]).isCloseTo(2 * classVariance, within(1e-15));
    assertThat(u.disagreement()[0]).isCloseTo(0.03125, within(1e-15));
  }

  @Test
  void measure_namesTheScores_andRejectsUnknownNamesListingTheKnownOnes() {
    Uncertainty u = Ensembles.uncertainty(List.of(memberA(), memberB()));
    assertThat(Uncertainty.MEASURES).containsExactly("entropy", "mutual-information", "disagreement");
    assertThat(u.measure("entropy")).isSameAs(u.entropy());
    assertThat(u.measure("mutual-information")).isSameAs(u.mutualInformation());
    assertThat(u.measure("disagreement")).isSameAs(u.disagreement());
    assertThatThrownBy(() -> u.measure("variance"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("variance")
        .hasMessageContaining("entropy, mutual-information, disagreement");
  }

  @Test
  void misalignedSampleIds_areRejectedNamingMemberAndIndex() {
    Predictions swapped = new Predictions(memberB().probabilities(), LABELS, new long[] {10, 12}, 3);
    assertThatThrownBy(() -> Ensembles.average(List.of(memberA(), swapped)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("member 1")
        .hasMessageContaining("index 1")
        .hasMessageContaining("12");
    assertThatThrownBy(() -> Ensembles.uncertainty(List.of(memberA(), swapped))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void misalignedLabels_areRejectedNamingMemberAndIndex() {
    Predictions relabelled = new Predictions(memberB().probabilities(), new int[] {2, 1}, IDS, 3);
    assertThatThrownBy(() -> Ensembles.average(List.of(memberA(), memberA(), relabelled)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("member 2")
        .hasMessageContaining("index 0");
  }

  @Test
  void differentSizesOrClassCounts_andNoMembers_areRejected() {
    Predictions oneSample = new Predictions(new float[] {0.5f, 0.25f, 0.25f}, new int[] {0}, new long[] {10}, 3);
    Predictions twoClasses = new Predictions(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, LABELS, IDS, 2);
    assertThatThrownBy(() -> Ensembles.average(List.of(memberA(), oneSample))).hasMessageContaining("member 1");
    assertThatThrownBy(() -> Ensembles.average(List.of(memberA(), twoClasses))).hasMessageContaining("member 1");
    assertThatThrownBy(() -> Ensembles.average(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void auroc_perfectSeparation_isOne_andReversed_isZero() {
    double[] low = {0.1, 0.2, 0.3};
    double[] high = {0.7, 0.8};
    assertThat(Ensembles.auroc(low, high)).isEqualTo(1.0);
    assertThat(Ensembles.auroc(high, low)).isEqualTo(0.0);
  }

  @Test
  void auroc_allTied_isOneHalf() {
    assertThat(Ensembles.auroc(new double[] {0, 0, 0}, new double[] {0, 0})).isEqualTo(0.5);
    assertThat(Ensembles.auroc(new double[] {-0.0}, new double[] {0.0})).isEqualTo(0.5);
  }

  @Test
  void auroc_countsTiesAsHalf() {
    // positive 0.4 beats 0.1 and 0.35, ties 0.4, loses to 0.8 → 2.5; positive 0.9 beats all four → 4.
    // (2.5 + 4) / (2·4) = 0.8125. Rank sum: ranks 1, 2, 3.5, 3.5, 5, 6; R_pos = 3.5 + 6 = 9.5; U = 9.5 − 3 = 6.5.
    double auroc = Ensembles.auroc(new double[] {0.1, 0.4, 0.35, 0.8}, new double[] {0.4, 0.9});
    assertThat(auroc).isEqualTo(0.8125);
  }

  @Test
  void auroc_equalsTheBruteForcePairCount_onRandomScoresWithTies() {
    Random random = new Random(42);
    for (int trial = 0; trial < 50; trial++) {
      double[] negatives = new double[1 + random.nextInt(40)];
      double[] positives = new double[1 + random.nextInt(40)];
      for (int i = 0; i < negatives.length; i++) {
        negatives[i] = random.nextInt(15) / 10.0;
      }
      for (int i = 0; i < positives.length; i++) {
        positives[i] = random.nextInt(20) / 10.0;
      }
      double pairs = 0;
      for (double p : positives) {
        for (double n : negatives) {
          pairs += p > n ? 1 : p == n ? 0.5 : 0;
        }
      }
      assertThat(Ensembles.auroc(negatives, positives)).isCloseTo(pairs / (negatives.length * positives.length), within(1e-12));
    }
  }

  @Test
  void auroc_ofAnEmptySide_isNaN_andNaNScoresAreRejected() {
    assertThat(Ensembles.auroc(new double[0], new double[] {1})).isNaN();
    assertThat(Ensembles.auroc(new double[] {1}, new double[0])).isNaN();
    assertThatThrownBy(() -> Ensembles.auroc(new double[] {1}, new double[] {Double.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positives[0]");
  }

  /**
   * Three members on four test samples (labels 0, 1, 2, 0) and on three "noise" samples. Member
   * accuracies on test: m0 4/4, m1 3/4 (sample 1 → class 0), m2 2/4 (samples 2 and 3 wrong).
   */
  private static List<Predictions> testMembers() {
    int[] labels = {0, 1, 2, 0};
    long[] ids = {1, 2, 3, 4};
    return List.of(
        new Predictions(new float[] {
            0.8f, 0.1f, 0.1f,
            0.2f, 0.7f, 0.1f,
            0.1f, 0.1f, 0.8f,
            0.6f, 0.3f, 0.1f}, labels, ids, 3),
        new Predictions(new float[] {
            0.7f, 0.2f, 0.1f,
            0.5f, 0.4f, 0.1f,
            0.2f, 0.1f, 0.7f,
            0.9f, 0.05f, 0.05f}, labels, ids, 3),
        new Predictions(new float[] {
            0.9f, 0.05f, 0.05f,
            0.1f, 0.8f, 0.1f,
            0.6f, 0.2f, 0.2f,
            0.3f, 0.6f, 0.1f}, labels, ids, 3));
  }

  private static List<Predictions> noiseMembers() {
    int[] labels = {0, 1, 2};
    long[] ids = {101, 102, 103};
    return List.of(
        new Predictions(new float[] {0.2f, 0.7f, 0.1f, 0.4f, 0.3f, 0.3f, 0.1f, 0.8f, 0.1f}, labels, ids, 3),
        new Predictions(new float[] {0.6f, 0.2f, 0.2f, 0.2f, 0.2f, 0.6f, 0.5f, 0.1f, 0.4f}, labels, ids, 3),
        new Predictions(new float[] {0.1f, 0.1f, 0.8f, 0.3f, 0.5f, 0.2f, 0.3f, 0.3f, 0.4f}, labels, ids, 3));
  }

  private static EnsembleMetrics threeMemberMetrics() {
    Map<String, List<Predictions>> shifts = new LinkedHashMap<>();
    shifts.put("noise", noiseMembers());
    return Ensembles.metrics(List.of(7L, 8L, 9L), testMembers(), shifts);
  }

  @Test
  void metrics_bySize_hasOneEntryPerPrefix_startingWithMemberZeroAlone() {
    EnsembleMetrics m = threeMemberMetrics();
    assertThat(m.members()).isEqualTo(3);
    assertThat(m.memberSeeds()).containsExactly(7L, 8L, 9L);
    assertThat(m.bySize()).extracting(EnsembleSizeMetrics::size).containsExactly(1, 2, 3);
    EvalMetrics first = Metrics.of(testMembers().get(0));
    EnsembleSizeMetrics one = m.bySize().get(0);
    assertThat(one.accuracy()).isEqualTo(first.accuracy());
    assertThat(one.nll()).isEqualTo(first.nll());
    assertThat(one.ece()).isEqualTo(first.ece());
    EvalMetrics all = Metrics.of(Ensembles.average(testMembers()));
    assertThat(m.bySize().get(2).nll()).isEqualTo(all.nll());
  }

  @Test
  void metrics_averageMember_averagesTheMembersOwnMetrics_andPoolsTheirConfusion() {
    EvalMetrics a = threeMemberMetrics().averageMember();
    List<EvalMetrics> own = testMembers().stream().map(Metrics::of).toList();
    assertThat(a.samples()).isEqualTo(4);
    assertThat(a.accuracy()).isCloseTo((1.0 + 0.75 + 0.5) / 3, within(1e-12));
    assertThat(a.nll()).isCloseTo((own.get(0).nll() + own.get(1).nll() + own.get(2).nll()) / 3, within(1e-12));
    assertThat(a.ece()).isCloseTo((own.get(0).ece() + own.get(1).ece() + own.get(2).ece()) / 3, within(1e-12));
    // class 0 (samples 1, 4): 1, 1, 1/2; class 1 (sample 2): 1, 0, 1; class 2 (sample 3): 1, 1, 0
    assertThat(a.perClassAccuracy().get(0)).isCloseTo(2.5 / 3, within(1e-12));
    assertThat(a.perClassAccuracy().get(1)).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(a.perClassAccuracy().get(2)).isCloseTo(2.0 / 3, within(1e-12));
    assertThat(a.confusion()).containsExactly(
        List.of(5, 1, 0),  // true 0: six member predictions, m2 calls sample 4 class 1
        List.of(1, 2, 0),  // true 1: m1 calls sample 2 class 0
        List.of(1, 0, 2)); // true 2: m2 calls sample 3 class 0
  }

  @Test
  void metrics_averageMember_keepsAbsentClassesNull() {
    Predictions p = new Predictions(new float[] {0.9f, 0.1f, 0f, 0.2f, 0.8f, 0f}, new int[] {0, 0}, new long[] {1, 2}, 3);
    Predictions q = new Predictions(new float[] {0.9f, 0.1f, 0f, 0.9f, 0.1f, 0f}, new int[] {0, 0}, new long[] {1, 2}, 3);
    EvalMetrics a = Ensembles.metrics(List.of(1L, 2L), List.of(p, q), Map.of()).averageMember();
    assertThat(a.perClassAccuracy()).containsExactly(0.75, null, null);
  }

  @Test
  void metrics_reportUncertaintyForTestAndEachShift_andAurocPerShiftAndMeasure() {
    EnsembleMetrics m = threeMemberMetrics();
    assertThat(m.uncertainty()).containsOnlyKeys("test", "noise");
    Uncertainty test = Ensembles.uncertainty(testMembers());
    double meanEntropy = (test.entropy()[0] + test.entropy()[1] + test.entropy()[2] + test.entropy()[3]) / 4;
    assertThat(m.uncertainty().get("test").entropy()).isCloseTo(meanEntropy, within(1e-12));
    assertThat(m.auroc()).containsOnlyKeys("noise");
    assertThat(m.auroc().get("noise")).containsOnlyKeys("entropy", "mutual-information", "disagreement");
    Uncertainty noise = Ensembles.uncertainty(noiseMembers());
    assertThat(m.auroc().get("noise").get("disagreement"))
        .isEqualTo(Ensembles.auroc(test.disagreement(), noise.disagreement()));
  }

  @Test
  void metrics_ofOneMember_haveNoEpistemicSignal_butEntropyStillSeparates() {
    Map<String, List<Predictions>> shifts = Map.of("noise", List.of(noiseMembers().get(0)));
    EnsembleMetrics m = Ensembles.metrics(List.of(7L), List.of(testMembers().get(0)), shifts);
    assertThat(m.bySize()).hasSize(1);
    assertThat(m.uncertainty().get("noise").mutualInformation()).isZero();
    assertThat(m.uncertainty().get("noise").disagreement()).isZero();
    assertThat(m.auroc().get("noise").get("mutual-information")).isEqualTo(0.5);
    assertThat(m.auroc().get("noise").get("disagreement")).isEqualTo(0.5);
    assertThat(m.auroc().get("noise").get("entropy")).isGreaterThan(0.5);
  }

  @Test
  void metrics_rejectMismatchedSeedsAndMemberCounts_andAShiftNamedTest() {
    assertThatThrownBy(() -> Ensembles.metrics(List.of(7L, 8L), testMembers(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("2 seeds for 3 members");
    assertThatThrownBy(() -> Ensembles.metrics(List.of(7L, 8L, 9L), testMembers(), Map.of("noise", noiseMembers().subList(0, 2))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("noise");
    assertThatThrownBy(() -> Ensembles.metrics(List.of(7L, 8L, 9L), testMembers(), Map.of("test", noiseMembers())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reserved");
  }
}
