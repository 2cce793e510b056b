package dev.mentor.messages.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One experiment, read top to bottom like a methods section: the data, the tasks carved out of
 * it, the arms to compare and the seeds each arm runs with. Each (arm, seed) pair is one run.
 * An arm whose {@code init.from} names another arm starts from that arm's weights trained with
 * the same seed, so the source arm must come first.
 */
public record ExperimentSpec(
    Integer schemaVersion,
    String name,
    String description,
    List<Long> seeds,
    DataSpec data,
    Map<String, TaskSpec> tasks,
    List<ArmSpec> arms) {

  public static final int SCHEMA_VERSION = 1;

  public ExperimentSpec {
    List<SpecException> errors = new ArrayList<>(headerErrors(schemaVersion, name, seeds));
    schemaVersion = schemaVersion == null ? SCHEMA_VERSION : schemaVersion;
    description = description == null ? "" : description;
    data = data == null ? DataSpec.fashionMnist() : data;
    if (tasks == null || tasks.isEmpty()) {
      errors.add(new SpecException("tasks", "must define at least one task"));
      tasks = Map.of();
    } else {
      Map<String, TaskSpec> given = tasks;
      collect(errors, () -> checkTasks(given));
    }
    tasks = Collections.unmodifiableMap(new LinkedHashMap<>(tasks));
    if (arms == null || arms.isEmpty()) {
      errors.add(new SpecException("arms", "must list at least one value"));
    } else {
      arms = Check.noNulls("arms", arms);
      if (seeds != null && !seeds.isEmpty()) {
        List<Long> runSeeds = seeds;
        List<ArmSpec> runArms = arms;
        collect(errors, () -> checkRunCount(runSeeds, runArms));
      }
      validateArms(tasks, arms, errors);
    }
    SpecException.throwIfAny(errors);
    name = Check.name("name", name);
    seeds = Check.nonEmpty("seeds", seeds);
    arms = new ArmIndex(arms);
  }

  /**
   * The checks of the experiment's own fields, which need none of its tasks or arms: the reader
   * reports them beside the errors of tasks and arms that could not be read at all.
   */
  static List<SpecException> headerErrors(Integer schemaVersion, String name, List<Long> seeds) {
    List<SpecException> errors = new ArrayList<>();
    if (schemaVersion != null && schemaVersion != SCHEMA_VERSION) {
      errors.add(new SpecException("schemaVersion", "this Mentor reads schema version " + SCHEMA_VERSION + ", got " + schemaVersion));
    }
    collect(errors, () -> Check.name("name", name));
    collect(errors, () -> {
      Check.nonEmpty("seeds", seeds);
      checkDistinct(seeds);
    });
    return errors;
  }

  /** Runs a check, adding its error to {@code errors} instead of ending the validation. */
  private static void collect(List<SpecException> errors, Runnable check) {
    try {
      check.run();
    } catch (SpecException e) {
      errors.add(e);
    }
  }

  private static void checkDistinct(List<Long> seeds) {
    Map<Long, Integer> first = new HashMap<>();
    for (int i = 0; i < seeds.size(); i++) {
      Integer earlier = first.putIfAbsent(seeds.get(i), i);
      if (earlier != null) {
        throw new SpecException("seeds", "lists seed " + seeds.get(i) + " twice, at [" + earlier + "] and [" + i + "]");
      }
    }
  }

  private static void checkTasks(Map<String, TaskSpec> tasks) {
    if (tasks.size() > SpecLimits.MAX_TASKS) {
      throw new SpecException("tasks", "defines " + tasks.size() + " tasks; the limit is " + SpecLimits.MAX_TASKS + " per experiment");
    }
    for (String task : tasks.keySet()) {
      try {
        Check.name("tasks", task);
      } catch (SpecException e) {
        throw new SpecException("tasks", "a task's name " + e.reason());
      }
    }
  }

  /** Each ensemble member is counted: unless co-distilled, the service trains it as a task of its own. */
  private static void checkRunCount(List<Long> seeds, List<ArmSpec> arms) {
    long models = 0;
    for (ArmSpec arm : arms) {
      models += arm.memberCount();
    }
    // Saturates instead of overflowing for a spec built in code with billions of members.
    long runs = models > Long.MAX_VALUE / seeds.size() ? Long.MAX_VALUE : models * seeds.size();
    if (runs > SpecLimits.MAX_RUNS) {
      String field = seeds.size() > SpecLimits.MAX_RUNS ? "seeds" : "arms";
      throw new SpecException(field, arms.size() + " arms" + (models == arms.size() ? "" : " training " + models + " models (ensemble members counted)")
          + " × " + seeds.size() + " seeds = " + runs + " runs; the limit is " + SpecLimits.MAX_RUNS
          + " runs per experiment: split it into several experiments, or use fewer arms, members or seeds");
    }
  }

  /** Adds every problem between arms to {@code errors}: names, tasks, sources and teachers. */
  private static void validateArms(Map<String, TaskSpec> tasks, List<ArmSpec> arms, List<SpecException> errors) {
    Map<String, Integer> seen = new LinkedHashMap<>();
    for (int i = 0; i < arms.size() && errors.size() <= SpecException.MAX_ERRORS; i++) {
      ArmSpec arm = arms.get(i);
      String at = "arms[" + i + "]";
      if (seen.putIfAbsent(arm.name(), i) != null) {
        errors.add(new SpecException(at + ".name", Check.quote(arm.name()) + " is already the name of arms[" + seen.get(arm.name()) + "]"));
      }
      if (!tasks.containsKey(arm.task())) {
        if (tasks.isEmpty()) {
          continue;
        }
        errors.add(new SpecException(at + ".task", "unknown task " + Check.quote(arm.task()) + "; defined tasks: " + Check.listed(tasks.keySet())));
        continue;
      }
      if (arm.init() != null && arm.init().from() != null) {
        collect(errors, () -> validateSource(tasks, arms, seen, arm, at));
      }
      if (arm.distill() != null) {
        int index = i;
        collect(errors, () -> validateTeacher(tasks, arms, seen, index));
      }
    }
  }

  /**
   * An arm started from another arm needs that arm earlier in the list, with its architecture;
   * keeping its head needs the same classes in the same order, or the head's outputs would mean
   * other classes than this task's labels.
   */
  private static void validateSource(Map<String, TaskSpec> tasks, List<ArmSpec> arms, Map<String, Integer> seen, ArmSpec arm, String at) {
    String from = arm.init().from();
    Integer source = seen.get(from);
    if (source == null || arms.get(source) == arm) {
      throw new SpecException(at + ".init.from", "names no earlier arm: " + Check.quote(from) + "; arms listed before this one: "
          + earlierArms(seen, arm));
    }
    ModelSpec sourceModel = arms.get(source).model();
    if (!sameBackbone(sourceModel, arm.model())) {
      throw new SpecException(at + ".model", "must have the architecture of arm '" + from + "' to load its weights: "
          + sourceModel + " vs " + arm.model());
    }
    TaskSpec sourceTask = tasks.get(arms.get(source).task());
    List<Integer> sourceClasses = sourceTask == null ? null : sourceTask.classes();
    List<Integer> classes = tasks.get(arm.task()).classes();
    if (arm.init().keepHead() && sourceClasses != null && !sourceClasses.equals(classes)) {
      throw new SpecException(at + ".init.keepHead", "arm '" + from + "' has a head for classes " + sourceClasses + " but this arm's task '"
          + arm.task() + "' has classes " + classes + ": the kept head's outputs would mean other classes than the labels; give both tasks"
          + " the same classes in the same order, or set keepHead: false for a new head (strategies none and bn-adapt need a kept head)");
    }
  }

  private static String earlierArms(Map<String, Integer> seen, ArmSpec arm) {
    Set<String> earlier = new LinkedHashSet<>(seen.keySet());
    earlier.remove(arm.name());
    return Check.listed(earlier);
  }

  /**
   * A student's teacher must exist before it, predict the same classes in the same order (or
   * its soft targets would be silently misaligned with the student's labels), have the stages its
   * feature terms tap, and be matched in depth order.
   */
  private static void validateTeacher(Map<String, TaskSpec> tasks, List<ArmSpec> arms, Map<String, Integer> seen, int index) {
    ArmSpec arm = arms.get(index);
    DistillSpec distill = arm.distill();
    String at = "arms[" + index + "].distill";
    ModelSpec teacherModel = distill.teacher().model();
    List<String> names = distill.teacher().armNames();
    String field = at + (distill.teacher().arm() != null ? ".teacher.arm" : ".teacher.arms");
    for (int n = 0; n < names.size(); n++) {
      String name = names.get(n);
      String nameField = field + (distill.teacher().arm() != null ? "" : "[" + n + "]");
      Integer source = seen.get(name);
      if (source == null || source == index) {
        throw new SpecException(nameField, "names no earlier arm: " + Check.quote(name) + "; arms listed before this one: "
            + earlierArms(seen, arm));
      }
      ArmSpec teacher = arms.get(source);
      List<Integer> teacherClasses = tasks.containsKey(teacher.task()) ? tasks.get(teacher.task()).classes() : null;
      List<Integer> studentClasses = tasks.get(arm.task()).classes();
      if (teacherClasses != null && !teacherClasses.equals(studentClasses)) {
        throw new SpecException(nameField, "arm '" + name + "' predicts classes " + teacherClasses + " but this student's task has "
            + studentClasses + ": soft targets would not line up with the labels; give both tasks the same classes in the same order");
      }
      if (teacher.ensemble() != null && !distill.features().isEmpty()) {
        throw new SpecException(at + ".features", "feature terms match one teacher's stages, and arm '" + name + "' is an ensemble of "
            + teacher.ensemble().members() + "; distil its averaged predictions (logits) or use one member's checkpoint");
      }
      if (names.size() > 1 && !distill.features().isEmpty()) {
        throw new SpecException(at + ".features", "feature terms match one teacher's stages, and the teacher is an ensemble of "
            + names.size() + " arms; distil their averaged predictions (logits) only");
      }
      teacherModel = teacher.model();
    }
    GenerationPoint generation = arm.generation();
    if (generation != null && generation.number() == 1 && generation.from() != null && !generation.architectureChange()
        && !sameBackbone(teacherModel, arm.model())) {
      throw new SpecException("arms[" + index + "].bornAgain.from", "arm '" + generation.from() + "' is a " + teacherModel + " and the generations"
          + " are " + arm.model() + ": born-again generations share one architecture; set architectureChange: true if another one is meant");
    }
    if (distill.teacherInput() == DistillSpec.TeacherInput.CLEAN && tasks.get(arm.task()).shift() == null) {
      throw new SpecException(at + ".teacherInput", "'clean' shows the teacher the student's samples without its task's shift, but task '"
          + arm.task() + "' has no shift; use 'same' or give the task a shift");
    }
    List<String> studentStages = arm.model().stageNames();
    List<String> teacherStages = teacherModel.stageNames();
    for (int f = 0; f < distill.features().size(); f++) {
      List<StagePair> pairs = distill.features().get(f).pairs();
      for (int j = 0; j < pairs.size(); j++) {
        String teacherStage = pairs.get(j).teacher();
        if (!teacherStages.contains(teacherStage)) {
          throw new SpecException(at + ".features[" + f + "].pairs[" + j + "].teacher", "the teacher model has no stage " + Check.quote(teacherStage)
              + "; its stages: " + String.join(", ", teacherStages));
        }
        for (int k = 0; k < j; k++) {
          int ds = Integer.compare(studentStages.indexOf(pairs.get(j).student()), studentStages.indexOf(pairs.get(k).student()));
          int dt = Integer.compare(teacherStages.indexOf(teacherStage), teacherStages.indexOf(pairs.get(k).teacher()));
          if (ds * dt < 0) {
            throw new SpecException(at + ".features[" + f + "].pairs[" + j + "]", "matches student stage '" + pairs.get(j).student()
                + "' to teacher stage '" + teacherStage + "' but pairs[" + k + "] matches '" + pairs.get(k).student() + "' to '"
                + pairs.get(k).teacher() + "': matched stages must keep depth order (deeper student stage, deeper or equal teacher stage)");
          }
        }
      }
    }
  }

  /** Same architecture up to the head's output size and dropout, which do not change weight shapes. */
  private static boolean sameBackbone(ModelSpec a, ModelSpec b) {
    return a.type().equals(b.type()) && Objects.equals(a.widths(), b.widths())
        && Objects.equals(a.channels(), b.channels()) && Objects.equals(a.hidden(), b.hidden())
        && Objects.equals(a.blocks(), b.blocks());
  }

  /**
   * The field path of arm {@code index} (of {@link #arms()}) as the experiment's file wrote it, for
   * error messages: {@code arms[3]} for a hand-written arm (counting a swept arm of the file as
   * one), {@code arms[2](kd-t8)} for an arm expanded from the sweep of the file's {@code arms[2]}.
   */
  public String armField(int index) {
    ArmSpec arm = arms.get(index);
    if (arm.sweepPoint() != null) {
      return "arms[" + arm.sweepPoint().index() + "](" + arm.name() + ")";
    }
    for (int i = index - 1; i >= 0; i--) {
      SweepPoint point = arms.get(i).sweepPoint();
      if (point != null) {
        return "arms[" + (point.index() + index - i) + "]";
      }
    }
    return "arms[" + index + "]";
  }

  /**
   * The sweeps this experiment was expanded from, one line each in file order: the arm as
   * written, how many arms it made and the distinct values of each axis, e.g.
   * {@code arms[2] kd-t{temperature}: 4 arms (distill.temperature: 4)}; empty when no arm is swept.
   */
  public List<String> sweeps() {
    Map<Integer, List<ArmSpec>> bySweep = new LinkedHashMap<>();
    for (ArmSpec arm : arms) {
      if (arm.sweepPoint() != null) {
        bySweep.computeIfAbsent(arm.sweepPoint().index(), i -> new ArrayList<>()).add(arm);
      }
    }
    List<String> lines = new ArrayList<>();
    bySweep.forEach((index, swept) -> {
      Map<String, Set<Object>> values = new LinkedHashMap<>();
      for (ArmSpec arm : swept) {
        arm.sweepPoint().values().fields().forEachRemaining(axis -> values.computeIfAbsent(axis.getKey(), k -> new LinkedHashSet<>()).add(axis.getValue()));
      }
      lines.add("arms[" + index + "] " + swept.get(0).sweepPoint().arm() + ": " + swept.size() + " arms ("
          + values.entrySet().stream().map(v -> v.getKey() + ": " + v.getValue().size()).collect(Collectors.joining(", ")) + ")");
    });
    return lines;
  }

  /**
   * The born-again arms this experiment was expanded from, one line each in file order, e.g.
   * {@code ban: 3 generations (ban-g1, ban-g2, ban-g3; each taught by the previous one) and
   * ban-scratch (12 epochs)}; empty when there is none.
   */
  public List<String> generations() {
    Map<String, List<ArmSpec>> byArm = new LinkedHashMap<>();
    for (ArmSpec arm : arms) {
      if (arm.generation() != null) {
        byArm.computeIfAbsent(arm.generation().arm(), a -> new ArrayList<>()).add(arm);
      }
    }
    List<String> lines = new ArrayList<>();
    byArm.forEach((name, generated) -> {
      List<ArmSpec> generations = generated.stream().filter(a -> !a.generation().isBaseline()).toList();
      List<ArmSpec> baseline = generated.stream().filter(a -> a.generation().isBaseline()).toList();
      GenerationPoint first = generated.get(0).generation();
      lines.add(name + ": " + first.of() + (first.of() == 1 ? " generation (" : " generations (")
          + generations.stream().map(ArmSpec::name).collect(Collectors.joining(", ")) + "; "
          + (first.from() == null ? "the first from the labels, " : "the first taught by " + first.from() + ", ")
          + (first.teachers() == BornAgainSpec.Teachers.ALL ? "each later one by the ensemble of all before it)" : "each later one by the previous one)")
          + baseline.stream().map(b -> " and " + b.name() + " (" + b.epochs() + " epochs from the labels)").collect(Collectors.joining()));
    });
    return lines;
  }

  /** The arm of that name, found in constant time (plans look one up per run). */
  public ArmSpec arm(String armName) {
    ArmSpec arm = ((ArmIndex) arms).byName(armName);
    if (arm == null) {
      throw new IllegalArgumentException("no arm " + Check.quote(armName));
    }
    return arm;
  }
}
