package dev.mentor.messages.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecLimits;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Jobs are refused by size before they are decoded, and a wrong key is echoed short. */
class JobCodecTest {
  private static final String SPEC = "name: exp\nseeds: [1]\ntasks: {t: {classes: [0, 1]}}\narms: [{name: a, task: t, model: {type: logistic}}]\n";

  @Test
  void aValidJobIsDecoded() {
    assertThat(JobCodec.decode("exp", SPEC.getBytes(StandardCharsets.UTF_8)).id()).isEqualTo("exp");
    assertThat(JobCodec.decode(null, SPEC.getBytes(StandardCharsets.UTF_8)).spec().name()).isEqualTo("exp");
  }

  @Test
  void aValueOverTheLimitIsRefusedBeforeDecoding() {
    byte[] value = new byte[SpecLimits.MAX_SPEC_BYTES + 1];
    Arrays.fill(value, (byte) 0xFF);

    assertThatThrownBy(() -> JobCodec.decode("exp", value)).isInstanceOf(SpecException.class)
        .hasMessageContaining((SpecLimits.MAX_SPEC_BYTES + 1) + " bytes").hasMessageContaining("limit is " + SpecLimits.MAX_SPEC_BYTES)
        .hasMessageNotContaining("UTF-8 text");
  }

  @Test
  void aHugeKeyThatDiffersFromTheNameIsQuotedShort() {
    SpecException e = org.junit.jupiter.api.Assertions.assertThrows(SpecException.class,
        () -> JobCodec.decode("k".repeat(600_000), SPEC.getBytes(StandardCharsets.UTF_8)));

    assertThat(e.field()).isEqualTo("name");
    assertThat(e.reason()).contains("(600000 characters)", "'exp'").hasSizeLessThan(300);
  }
}
