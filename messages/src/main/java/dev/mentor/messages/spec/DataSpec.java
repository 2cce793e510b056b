package dev.mentor.messages.spec;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Where the images come from. {@code path} is a local folder (a URL is refused); a relative one is
 * resolved against the experiment file's folder, and a job sent to the service, which has no file,
 * must give it absolute.
 * <ul>
 *   <li>{@code fashion-mnist}: the IDX files, read from {@code path} when it is given (a folder
 *       without them is refused), else found at {@code $MENTOR_DATA_DIR}, the Debian package's
 *       directory, or a download cache, in that order</li>
 *   <li>{@code idx}: a researcher's own IDX files in {@code path}, named like MNIST's
 *       ({@code train-images-idx3-ubyte[.gz]}, {@code train-labels-idx1-ubyte[.gz]}, {@code t10k-...})</li>
 *   <li>{@code image-folder}: {@code path/train/<class>/*.png} and {@code path/test/<class>/*.png}
 *       (grayscale, resized to {@code height}×{@code width})</li>
 *   <li>{@code csv}: {@code path/train.csv} and {@code path/test.csv}, one sample a row, the label first,
 *       then {@code height*width} pixel values in [0, 255]</li>
 *   <li>{@code synthetic}: generated class-dependent patterns for tests ({@code syntheticPerClass}
 *       train samples and a quarter as many test samples per class, {@code syntheticClasses} classes)</li>
 * </ul>
 */
public record DataSpec(
    Source source, String path, Integer height, Integer width, Integer syntheticClasses, Integer syntheticPerClass) {
  /** Where the images come from (see the class comment). */
  public enum Source implements SpecName {
    FASHION_MNIST, IDX, IMAGE_FOLDER, CSV, SYNTHETIC;

    /** Reads the files of a folder ({@code path}). */
    public boolean readsFiles() {
      return this == IDX || this == IMAGE_FOLDER || this == CSV;
    }

    @Override
    public String toString() {
      return specName();
    }
  }
  /** A scheme and "://" ({@code http://}, {@code file://}, {@code s3://}): a URL, which no source reads. */
  private static final Pattern URL = Pattern.compile("[A-Za-z][A-Za-z0-9+.-]*://");

  public DataSpec {
    source = source == null ? Source.FASHION_MNIST : source;
    if (source.readsFiles() && (path == null || path.isBlank())) {
      throw new SpecException("path", "is required for source '" + source + "'");
    }
    if (path != null && URL.matcher(path).lookingAt()) {
      throw new SpecException("path", "must be a local folder, not a URL: " + Check.quote(path)
          + "; download the files and give the folder holding them");
    }
    if (height != null) {
      Check.positive("height", height, SpecLimits.MAX_SIZE);
    }
    if (width != null) {
      Check.positive("width", width, SpecLimits.MAX_SIZE);
    }
    syntheticClasses = syntheticClasses == null ? 10 : Check.positive("syntheticClasses", syntheticClasses, SpecLimits.MAX_SYNTHETIC_CLASSES);
    syntheticPerClass = syntheticPerClass == null ? 40 : Check.positive("syntheticPerClass", syntheticPerClass, SpecLimits.MAX_SYNTHETIC_PER_CLASS);
  }

  public static DataSpec fashionMnist() {
    return new DataSpec(Source.FASHION_MNIST, null, null, null, null, null);
  }
}
