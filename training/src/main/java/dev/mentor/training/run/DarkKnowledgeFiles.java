package dev.mentor.training.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.DistillSpec;
import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.distill.DarkKnowledge;
import dev.mentor.training.eval.Predictions;
import dev.mentor.training.files.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@link DarkKnowledge} file of a teacher run ({@value DarkKnowledge#FILE} in its folder): a run
 * of an arm some student of the experiment learns from writes, before its record, the view of its
 * test-set predictions (the final evaluation's, not a second pass) at the default temperatures and
 * every temperature its students distil at, averaged over an ensemble's members as its students
 * average them. Written atomically before {@code results.json}, so a finished run has it and a
 * resumed one writes it again. A teacher without runs of its own (a checkpoint, an ensemble of
 * several arms) gets the same view from its students' runs ({@value #STUDENT_FILE}), made from the
 * test predictions of the teacher each student's record already needs.
 */
final class DarkKnowledgeFiles {
  private static final ObjectMapper JSON = SpecReader.json();
  /** A student's view of its teacher, where the teacher has no runs to write one. */
  static final String STUDENT_FILE = "teacher-dark-knowledge.json";

  private DarkKnowledgeFiles() {}

  /** The arms that learn from {@code teacher}'s runs (spec order). */
  static List<ArmSpec> students(ExperimentSpec spec, String teacher) {
    return spec.arms().stream().filter(a -> a.distill() != null && a.distill().teacher().armNames().contains(teacher)).toList();
  }

  /**
   * Writes the view of {@code arm}'s run at {@code seed} from its members' test predictions (one
   * for a single model) into {@code dir} when a student learns from the arm; nothing otherwise.
   */
  static void writeIfTeacher(RunContext ctx, ArmSpec arm, long seed, TaskData data, List<Predictions> test, Path dir) {
    List<ArmSpec> students = students(ctx.spec(), arm.name());
    if (students.isEmpty()) {
      return;
    }
    TreeSet<Double> temperatures = new TreeSet<>(DarkKnowledge.DEFAULT_TEMPERATURES);
    students.stream().map(ArmSpec::distill).filter(d -> d.logits() == DistillSpec.LogitMode.SOFT_TARGETS)
        .forEach(d -> temperatures.add(d.logitTemperature()));
    // Students of one ensemble may average it differently: the view takes the default unless all of them average logits.
    Average average = students.stream().allMatch(s -> s.distill().average() == Average.LOGITS) ? Average.LOGITS : Average.PROBABILITIES;
    String teacher = ctx.teachers().describe(TeacherSpec.ofArm(arm.name()), seed);
    DarkKnowledge view = DarkKnowledge.ofPredictions(teacher, "test", test, data.classNames(), List.copyOf(temperatures), average);
    AtomicFiles.writeString(dir.resolve(DarkKnowledge.FILE), SpecReader.toJson(view));
  }

  /**
   * Writes, into a student's run folder ({@value #STUDENT_FILE}), the view of a teacher that has
   * no runs of its own to write it (a checkpoint, or an ensemble of several arms), from the test
   * predictions the student's run makes of its teacher anyway; nothing for a teacher that is one arm.
   */
  static void writeForStudent(ArmSpec student, TaskData data, List<Predictions> teacherTest, Path dir) {
    DistillSpec distill = student.distill();
    if (distill.teacher().arm() != null) {
      return;
    }
    TreeSet<Double> temperatures = new TreeSet<>(DarkKnowledge.DEFAULT_TEMPERATURES);
    if (distill.logits() == DistillSpec.LogitMode.SOFT_TARGETS) {
      temperatures.add(distill.logitTemperature());
    }
    DarkKnowledge view = DarkKnowledge.ofPredictions(DarkKnowledge.teacherKey(distill.teacher()), "test", teacherTest, data.classNames(),
        List.copyOf(temperatures), distill.average());
    AtomicFiles.writeString(dir.resolve(STUDENT_FILE), SpecReader.toJson(view));
  }

  /**
   * The views the experiment's teacher runs wrote, by teacher arm (spec order), each with its
   * seeds' views in seed order; arms with no view are left out (runs that finished before views were written).
   */
  static Map<String, List<DarkKnowledge>> readAll(ExperimentSpec spec, RunPaths paths) throws IOException {
    Map<String, List<DarkKnowledge>> views = new LinkedHashMap<>();
    for (ArmSpec arm : spec.arms()) {
      if (students(spec, arm.name()).isEmpty()) {
        continue;
      }
      List<DarkKnowledge> seeds = new ArrayList<>();
      for (long seed : spec.seeds()) {
        Path file = paths.run(arm.name(), seed).resolve(DarkKnowledge.FILE);
        if (Files.isRegularFile(file)) {
          seeds.add(JSON.readValue(file.toFile(), DarkKnowledge.class));
        }
      }
      if (!seeds.isEmpty()) {
        views.put(arm.name(), seeds);
      }
    }
    // Teachers without runs of their own: the first of their students (spec order) with views.
    for (ArmSpec arm : spec.arms()) {
      if (arm.distill() == null || arm.distill().teacher().arm() != null || views.containsKey(DarkKnowledge.teacherKey(arm.distill().teacher()))) {
        continue;
      }
      List<DarkKnowledge> seeds = new ArrayList<>();
      for (long seed : spec.seeds()) {
        Path file = paths.run(arm.name(), seed).resolve(STUDENT_FILE);
        if (Files.isRegularFile(file)) {
          seeds.add(JSON.readValue(file.toFile(), DarkKnowledge.class));
        }
      }
      if (!seeds.isEmpty()) {
        views.put(DarkKnowledge.teacherKey(arm.distill().teacher()), seeds);
      }
    }
    return views;
  }
}
