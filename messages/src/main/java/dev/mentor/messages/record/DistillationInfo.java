package dev.mentor.messages.record;

import java.util.List;

/**
 * How a student was distilled, recorded with its results so a reader can check it: the teacher's
 * source ({@code arm:NAME seed S}, {@code checkpoint:FILE} or an ensemble arm with its size), its
 * architecture and test accuracy, the loss written out with its reduction and where T² and α sit,
 * the loss terms, what the teacher saw ("same inputs as the student" or "clean inputs of the
 * student's samples"), and the teacher-output cache ({@code cache} says cached or why it ran live;
 * lookups and hits over the whole run).
 */
public record DistillationInfo(
    String teacher,
    String teacherModel,
    int teacherMembers,
    double teacherTestAccuracy,
    String loss,
    List<String> terms,
    double temperature,
    double alpha,
    String teacherMode,
    String teacherInput,
    String cache,
    long cacheLookups,
    long cacheHits) {

  public double cacheHitRate() {
    return cacheLookups == 0 ? 0 : cacheHits / (double) cacheLookups;
  }
}
