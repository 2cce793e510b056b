package dev.mentor.training.run;

import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.training.distill.TeacherCache;
import dev.mentor.training.distill.TeacherOutputStore;
import dev.mentor.training.distill.TeacherStreams;
import java.util.Map;

/**
 * What every run of one experiment shares: the spec, where its files go, its data, the listener
 * that hears its progress, its teachers, the teacher caches of the runs executing at the same
 * time, and where a teacher's outputs may come from besides the student's own loop ({@code streams}
 * and {@code outputStore} may be null).
 */
record RunContext(
    ExperimentSpec spec,
    RunPaths paths,
    ExperimentData data,
    RunListener listener,
    TeacherLoader teachers,
    Map<String, TeacherCache> teacherCaches,
    TeacherStreams streams,
    TeacherOutputStore outputStore) {}
