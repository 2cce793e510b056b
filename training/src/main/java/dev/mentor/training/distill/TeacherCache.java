package dev.mentor.training.distill;

import java.util.HashMap;
import java.util.Map;

/**
 * A frozen teacher's logits per sample, for one teacher and one view of the data (the same
 * inputs every epoch: no augmentation), filled on first use and read on every later epoch and by
 * every later student of the same teacher and view. Values are the sample's members' logits,
 * {@code members × classes} floats (its row of the teacher's sample-major output), so any
 * temperature or averaging can be applied to them later. Lookups and hits are counted per
 * student through {@link Counter}.
 */
public final class TeacherCache {
  private final int floatsPerSample;
  private final Map<Long, float[]> logits = new HashMap<>();

  public TeacherCache(int floatsPerSample) {
    this.floatsPerSample = floatsPerSample;
  }

  public int floatsPerSample() {
    return floatsPerSample;
  }

  /** The cached logits of {@code sampleId}, or null. */
  public synchronized float[] get(long sampleId) {
    return logits.get(sampleId);
  }

  public synchronized void put(long sampleId, float[] values) {
    if (values.length != floatsPerSample) {
      throw new IllegalArgumentException("expected " + floatsPerSample + " floats for sample " + sampleId + ", got " + values.length);
    }
    logits.put(sampleId, values);
  }

  public synchronized int size() {
    return logits.size();
  }

  /** A copy of every cached sample's logits. */
  public synchronized Map<Long, float[]> snapshot() {
    return new HashMap<>(logits);
  }

  /** Lookups and hits of one user of the cache. */
  public static final class Counter {
    private long lookups;
    private long hits;

    void record(int looked, int hit) {
      lookups += looked;
      hits += hit;
    }

    public long lookups() {
      return lookups;
    }

    public long hits() {
      return hits;
    }

    public void restore(long lookups, long hits) {
      this.lookups = lookups;
      this.hits = hits;
    }
  }
}
