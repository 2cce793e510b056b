package dev.mentor.training.run;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.TeacherSpec;
import dev.mentor.training.data.Normalization;
import dev.mentor.training.distill.Teacher;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Resolves a student's {@link TeacherSpec} to the teacher's weight files and loads them: the final
 * weights of an earlier arm at the student's seed (every member's, for an ensemble arm) or a
 * checkpoint file. Every parameter, head included, must fit the teacher's model; anything else
 * fails naming the file.
 */
final class TeacherLoader {
  private final ExperimentSpec spec;
  private final Path baseDir;
  private final RunPaths paths;

  TeacherLoader(ExperimentSpec spec, Path baseDir, RunPaths paths) {
    this.spec = spec;
    this.baseDir = baseDir;
    this.paths = paths;
  }

  /** The teacher's model spec (its first arm's, for an ensemble of arms). */
  ModelSpec model(TeacherSpec teacher) {
    return teacher.checkpoint() == null ? spec.arm(teacher.armNames().get(0)).model() : teacher.model();
  }

  /** One model of the teacher: its weight file and the model it was trained as. */
  record Member(Path file, ModelSpec model) {}

  /** The teacher's models at {@code seed}: one per member of each of its arms, or its checkpoint. */
  List<Member> members(TeacherSpec teacher, long seed) {
    if (teacher.checkpoint() != null) {
      return List.of(new Member(checkpointFile(teacher.checkpoint()), teacher.model()));
    }
    List<Member> members = new ArrayList<>();
    for (String name : teacher.armNames()) {
      ArmSpec arm = spec.arm(name);
      if (arm.ensemble() == null) {
        members.add(new Member(paths.finalWeights(arm.name(), seed), arm.model()));
      } else {
        for (int m = 0; m < arm.ensemble().members(); m++) {
          members.add(new Member(paths.memberWeights(arm.name(), seed, m), arm.model()));
        }
      }
    }
    return members;
  }

  /** Weight files of the teacher at {@code seed}, one per member. */
  List<Path> files(TeacherSpec teacher, long seed) {
    return members(teacher, seed).stream().map(Member::file).toList();
  }

  Path checkpointFile(String checkpoint) {
    Path file = Path.of(checkpoint);
    return file.isAbsolute() ? file : baseDir.resolve(file);
  }

  /** Where the teacher came from, for the record (as the spec names it, never a resolved path). */
  String describe(TeacherSpec teacher, long seed) {
    if (teacher.checkpoint() != null) {
      return "checkpoint " + teacher.checkpoint();
    }
    if (teacher.arms() != null) {
      return "ensemble of arms " + String.join(", ", teacher.arms()) + " seed " + seed;
    }
    ArmSpec arm = spec.arm(teacher.arm());
    return (arm.ensemble() == null ? "arm " : "ensemble arm ") + arm.name() + " seed " + seed
        + (arm.ensemble() == null ? "" : " (" + arm.ensemble().members() + " members)");
  }

  /** A digest of the teacher's weight files' bytes (a packed file's as unpacked): equal for the same weights in any experiment or process. */
  String contentDigest(TeacherSpec teacher, long seed) throws IOException {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : files(teacher, seed)) {
        if (Files.isRegularFile(file)) {
          try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
              digest.update(buffer, 0, n);
            }
          }
        } else {
          // Packed: the file its delta decodes to (byte-identical to the one packed, for a lossless delta).
          digest.update(ParameterFile.toBytes(ModelWeights.read(file)));
        }
        digest.update((byte) ';');
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A key that names this teacher's weights uniquely within the process, for the output cache. */
  String identity(TeacherSpec teacher, long seed) throws IOException {
    StringBuilder id = new StringBuilder();
    for (Path file : files(teacher, seed)) {
      Path real = ModelWeights.stored(file).toAbsolutePath().normalize();
      id.append(real).append('@').append(Files.getLastModifiedTime(real).toMillis()).append(':').append(Files.size(real)).append(';');
    }
    return id.toString();
  }

  /**
   * The teacher at {@code seed}, given inputs standardised with {@code inputs}; a member whose file
   * records another standardisation (a checkpoint of another experiment) gets its inputs rescaled
   * to it.
   */
  Teacher load(TeacherSpec teacher, long seed, int classes, Shape inputShape, NDManager manager, Normalization inputs) throws IOException {
    List<StagedModel> members = new ArrayList<>();
    List<Normalization> trainedOn = new ArrayList<>();
    for (Member member : members(teacher, seed)) {
      Path file = member.file();
      if (!ModelWeights.exists(file)) {
        throw new IOException("the teacher's weights " + file + " do not exist; " + (teacher.checkpoint() == null
            ? "arm" + (teacher.arms() == null ? " '" + teacher.arm() + "'" : "s " + teacher.arms()) + " must finish at seed " + seed + " first"
            : "check distill.teacher.checkpoint"));
      }
      StagedModel model = ModelZoo.create(member.model(), classes, inputShape, manager, 0);
      try {
        ModelWeights.loadBackbone(model, file, true);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file.getFileName() + " does not fit the teacher's model " + member.model() + ": " + e.getMessage(), e);
      }
      members.add(model);
      trainedOn.add(ModelWeights.normalization(file).orElse(null));
    }
    String source = describe(teacher, seed);
    Normalization own = trainedOn.get(0);
    if (own != null && !own.equals(inputs)) {
      source += " (inputs restandardised to its training's mean " + own.mean() + ", std " + own.std() + ")";
    }
    return new Teacher(members, new ParameterStore(manager, false), source, inputs, trainedOn);
  }
}
