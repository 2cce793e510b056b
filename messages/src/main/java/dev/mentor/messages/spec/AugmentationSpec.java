package dev.mentor.messages.spec;

/** Training-time augmentation: random crop with zero padding, horizontal flip, Gaussian noise. */
public record AugmentationSpec(Integer cropPadding, Boolean flip, Double noise) {
  public AugmentationSpec {
    cropPadding = Check.nonNegative("cropPadding", cropPadding == null ? 0 : cropPadding);
    flip = flip != null && flip;
    noise = Check.nonNegative("noise", noise == null ? 0.0 : noise);
  }

  public static AugmentationSpec none() {
    return new AugmentationSpec(null, null, null);
  }
}
