package dev.mentor.training.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SummaryTest {

  @Test
  void meanAndSampleStd() {
    Summary summary = Summary.of(1, 2, 3, 4);

    assertThat(summary.n()).isEqualTo(4);
    assertThat(summary.mean()).isEqualTo(2.5);
    assertThat(summary.std()).isCloseTo(1.2909944, within(1e-7));
  }

  @Test
  void singleValueHasZeroStd() {
    assertThat(Summary.of(0.7)).isEqualTo(new Summary(1, 0.7, 0));
  }

  @Test
  void nonFiniteValuesAreNotCounted() {
    Summary summary = Summary.of(1, Double.NaN, 3, Double.POSITIVE_INFINITY);

    assertThat(summary.n()).isEqualTo(2);
    assertThat(summary.mean()).isEqualTo(2);
    assertThat(summary.std()).isCloseTo(Math.sqrt(2), within(1e-12));
  }

  @Test
  void noFiniteValuesFormatAsDash() {
    Summary summary = Summary.of(Double.NaN);

    assertThat(summary).isEqualTo(new Summary(0, 0, 0));
    assertThat(summary.format(3)).isEqualTo("—");
    assertThat(summary.formatPercent()).isEqualTo("—");
  }

  @Test
  void formatsWithDecimalsAndAsPercent() {
    Summary summary = new Summary(3, 0.842, 0.012);

    assertThat(summary.format(3)).isEqualTo("0.842 ± 0.012");
    assertThat(summary.formatPercent()).isEqualTo("84.2 ± 1.2");
  }

  @Test
  void rejectsNaN() {
    assertThatThrownBy(() -> new Summary(2, Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
