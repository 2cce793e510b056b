package dev.mentor.training.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.spec.ModelSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelStatsTest {
  private static final Shape INPUT = new Shape(1, 8, 8);

  @Test
  void of_tinyCnn_matchesHandCount() {
    // cnn channels [4, 8], hidden 16, 3 classes, input 1x8x8; convs are 3x3, padding 1, no bias.
    // stage1: conv 1->4: 4*1*9 = 36 weights; BN gamma+beta 2*4 = 8     (running mean/var 8 not trainable)
    //         output 4x8x8 -> max-pool -> 4x4x4.      MACs = (4*8*8 outputs) * (1*9) = 2304
    // stage2: conv 4->8: 8*4*9 = 288; BN 2*8 = 16                       (running 16)
    //         output 8x4x4 -> max-pool -> 8x2x2 = 32. MACs = (8*4*4) * (4*9) = 4608
    // stage3: linear 32->16: 32*16 + 16 = 528.        MACs = 512
    // head:   linear 16->3:  16*3 + 3 = 51.           MACs = 48
    // parameters = 36 + 8 + 288 + 16 + 528 + 51 = 927; MACs = 2304 + 4608 + 512 + 48 = 7472
    // bytes = (927 + 24 running statistics) * 4 = 3804
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(new ModelSpec(ModelSpec.Type.CNN, null, List.of(4, 8), 16, null, null), 3, INPUT, manager, 1);
      assertThat(ModelStats.of(model)).isEqualTo(new ModelStats(927, 7472, 3804));
    }
  }

  @Test
  void of_tinyMlp_matchesHandCount() {
    // mlp widths [16, 8], 3 classes, input 1x8x8 flattened to 64.
    // stage1: 64*16 + 16 = 1040, MACs 1024; stage2: 16*8 + 8 = 136, MACs 128; head: 8*3 + 3 = 27, MACs 24.
    // parameters = 1203; MACs = 1176; bytes = 1203 * 4 = 4812 (no running statistics)
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(new ModelSpec(ModelSpec.Type.MLP, List.of(16, 8), null, null, null, null), 3, INPUT, manager, 1);
      assertThat(ModelStats.of(model)).isEqualTo(new ModelStats(1203, 1176, 4812));
    }
  }

  @Test
  void of_tinyResnet_countsBothBranchesOfAResidualBlock() {
    // resnet channels [4, 8], 1 block per stage, 3 classes, input 1x8x8.
    // stem:   conv 1->4 3x3 (36) + BN (8);                     MACs = 4*8*8 * 9 = 2304
    // stage1: block(4->4, stride 1, identity shortcut): two conv 4->4 3x3 (144 each) + two BN (8 each) = 304
    //         MACs = 2 * (4*8*8 * 4*9) = 18432
    // stage2: block(4->8, stride 2): conv 4->8 3x3 (288) + BN 16 + conv 8->8 3x3 (576) + BN 16
    //         + shortcut conv 4->8 1x1 (32) + BN 16 = 944
    //         MACs = 8*4*4 * 36 + 8*4*4 * 72 + 8*4*4 * 4 = 4608 + 9216 + 512 = 14336; global pool -> 8
    // head:   8*3 + 3 = 27; MACs 24
    // parameters = 44 + 304 + 944 + 27 = 1319; MACs = 2304 + 18432 + 14336 + 24 = 35096
    // running statistics: 4 + 2*4 + 3*8 channels, 2 arrays each = 72 floats; bytes = (1319 + 72) * 4 = 5564
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(new ModelSpec(ModelSpec.Type.RESNET, null, List.of(4, 8), null, null, 1), 3, INPUT, manager, 1);
      assertThat(ModelStats.of(model)).isEqualTo(new ModelStats(1319, 35096, 5564));
    }
  }

  @Test
  void of_logistic_isOneLinearLayerOnRawPixels() {
    // 64 inputs * 3 classes + 3 biases = 195 parameters, 192 MACs.
    try (NDManager manager = NDManager.newBaseManager()) {
      StagedModel model = ModelZoo.create(new ModelSpec(ModelSpec.Type.LOGISTIC, null, null, null, null, null), 3, INPUT, manager, 1);
      assertThat(ModelStats.of(model)).isEqualTo(new ModelStats(195, 192, 780));
    }
  }
}
