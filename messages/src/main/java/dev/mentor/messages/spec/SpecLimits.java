package dev.mentor.messages.spec;

/**
 * How large an experiment may be, checked before anything is parsed or planned, so that one
 * submission cannot exhaust the service's memory or CPU, nor produce a rejection record larger
 * than the broker accepts. The reader, the job codec and the CLI all check against these numbers;
 * the spec reference in the README lists them.
 */
public final class SpecLimits {
  /** Largest spec text, in bytes of UTF-8 (a methods section, not a data file). */
  public static final int MAX_SPEC_BYTES = 256 * 1024;
  /**
   * Largest resolved spec Mentor reads back from its own files and records (the service's job
   * file, a teacher stream's request, an output folder's experiment.json): every default filled in
   * and every sweep written out, about 1.5 KB an arm, so up to {@link #MAX_RUNS} arms fit.
   */
  public static final int MAX_RESOLVED_SPEC_BYTES = 64 * 1024 * 1024;
  /** Most runs per experiment: arms × seeds, each deep-ensemble member counted as a run of its own. */
  public static final int MAX_RUNS = 10_000;
  /**
   * Most axes of one {@code sweep} (its {@code zip} counted as one): a grid of more is a mistake,
   * and its arms' names would not fit. The arms a sweep makes count against {@link #MAX_RUNS}.
   */
  public static final int MAX_SWEEP_AXES = 16;
  /** Most generations of a born-again arm. */
  public static final int MAX_GENERATIONS = 100;
  /** Most tasks per experiment; each is split from the data when the experiment is validated. */
  public static final int MAX_TASKS = 1_000;
  /** Deepest nesting of mappings and lists; a spec needs about 8. */
  public static final int MAX_NESTING_DEPTH = 64;
  /**
   * Most values {@code defaults} may add when merged into the arms (its value count × arm count):
   * the merge copies it into every arm, so a large block times many arms would build a tree far
   * larger than the text.
   */
  public static final int MAX_MERGED_VALUES = 1_000_000;
  /** Characters of a user's value quoted in an error message; the rest is counted, not echoed. */
  public static final int MAX_QUOTED_CHARS = 64;
  /** Longest reason of a {@link SpecException}; anything longer is cut and marked. */
  public static final int MAX_REASON_CHARS = 600;
  /** Longest field path of a {@link SpecException}. */
  public static final int MAX_FIELD_CHARS = 200;
  /** Most epochs of one run (a run of more is a typo, not an experiment). */
  public static final int MAX_EPOCHS = 10_000;
  /** Largest batch, data height or width, layer width and channel count. */
  public static final int MAX_SIZE = 65_536;
  /** Most classes and samples per class of synthetic data. */
  public static final int MAX_SYNTHETIC_CLASSES = 1_000;
  public static final int MAX_SYNTHETIC_PER_CLASS = 100_000;

  private SpecLimits() {}

  /** Throws when {@code text} is longer than {@link #MAX_SPEC_BYTES} in UTF-8, without encoding it. */
  public static void checkSpecSize(CharSequence text) {
    // A char is at least one byte of UTF-8, so only texts between the limit in bytes and in chars need counting.
    if (text.length() > MAX_SPEC_BYTES) {
      throw tooLarge(text.length() + " characters");
    }
    long bytes = utf8Length(text);
    if (bytes > MAX_SPEC_BYTES) {
      throw tooLarge(bytes + " bytes");
    }
  }

  /** Throws when a spec file or record of {@code bytes} bytes is over {@link #MAX_SPEC_BYTES}. */
  public static void checkSpecSize(long bytes) {
    if (bytes > MAX_SPEC_BYTES) {
      throw tooLarge(bytes + " bytes");
    }
  }

  private static SpecException tooLarge(String size) {
    return new SpecException("", "the spec is " + size + "; the limit is " + MAX_SPEC_BYTES + " bytes (" + MAX_SPEC_BYTES / 1024
        + " KiB) of UTF-8; an experiment file describes data, tasks and arms, it does not hold them");
  }

  static long utf8Length(CharSequence text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }
}
