package dev.mentor.training.run;

import static dev.mentor.training.run.ExperimentData.evaluationBatches;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.mentor.messages.record.RunRecord;
import dev.mentor.messages.spec.ArmSpec;
import dev.mentor.messages.spec.ExperimentSpec;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.data.ImageSet;
import dev.mentor.training.data.TaskData;
import dev.mentor.training.engine.ParameterFile;
import dev.mentor.training.engine.ParameterFile.Tensor;
import dev.mentor.training.eval.Metrics;
import dev.mentor.training.files.AtomicFiles;
import dev.mentor.training.loop.Trainer;
import dev.mentor.training.model.ModelWeights;
import dev.mentor.training.model.ModelZoo;
import dev.mentor.training.model.StagedModel;
import dev.mentor.training.model.WeightDelta;
import dev.mentor.training.model.WeightDelta.Mode;
import dev.mentor.training.report.DeltaMeasurement;
import dev.mentor.training.report.ExperimentReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Stores a finished experiment's fine-tuned variants (runs of an arm with {@code init}: their
 * weights start from another arm's at the same seed, or from a checkpoint) as {@link WeightDelta}s
 * to the weights they started from, each such base stored once in {@code <experiment>/bases/<digest>.params};
 * restores them; and measures what each delta mode saves and, for the lossy ones, costs in test
 * accuracy ({@link DeltaMeasurement}, in each run's folder). Packing never loses weights: a run's
 * {@code model.params} is removed only after its {@code model.delta} is written and read back from
 * disk (for {@code lossless}: to the same bytes), and every reader of a run's weights reads a
 * delta where the full file is gone ({@link ModelWeights#read}). Arms whose weights this leaves
 * whole are listed by {@link #leftOut()} with the reason.
 */
public final class WeightPacking {
  /** The folder of an experiment holding the bases its deltas name, each once, as {@code <digest>.params}. */
  public static final String BASES = "bases";

  private final ExperimentSpec spec;
  private final Path baseDir;
  private final RunPaths paths;
  private final Map<Path, Base> bases = new HashMap<>();

  /** A fine-tuned run: its arm and seed, its final weights file and the weights file it started from. */
  public record Variant(ArmSpec arm, long seed, Path weights, Path base, String startsFrom) {}

  /** A variant packed: its weights' bytes whole and as a delta (0 and the delta's size when it was already packed). */
  public record Packed(Variant variant, long fullBytes, long deltaBytes) {}

  private record Base(String digest, Map<String, Tensor> tensors, long bytes) {}

  /**
   * The experiment in {@code experimentDir} (a folder a run wrote: it holds {@code experiment.json});
   * {@code baseDir} is the folder relative paths of its spec (data, checkpoints) are read against,
   * the experiment file's folder.
   */
  public WeightPacking(Path experimentDir, Path baseDir) throws IOException {
    this.paths = new RunPaths(experimentDir.toAbsolutePath().normalize());
    if (!Files.isRegularFile(paths.spec())) {
      throw new NoSuchFileException(paths.spec().toString(), null, "not an experiment's output folder: it has no experiment.json");
    }
    this.spec = SpecReader.parseResolved(Files.readString(paths.spec()));
    this.baseDir = baseDir.toAbsolutePath().normalize();
  }

  /** Every run of a fine-tuned arm with final weights, whole or packed, in spec order. */
  public List<Variant> variants() {
    List<Variant> variants = new ArrayList<>();
    for (ArmSpec arm : spec.arms()) {
      if (reasonLeftOut(arm) != null) {
        continue;
      }
      for (long seed : spec.seeds()) {
        Path weights = paths.finalWeights(arm.name(), seed);
        if (ModelWeights.exists(weights)) {
          String from = arm.init().from() != null ? "arm " + arm.init().from() : "checkpoint " + arm.init().checkpoint();
          variants.add(new Variant(arm, seed, weights, ExperimentData.initWeights(arm, seed, paths, baseDir), from));
        }
      }
    }
    return variants;
  }

  /** The arms with {@code init} whose weights stay whole, each with why. */
  public List<String> leftOut() {
    List<String> out = new ArrayList<>();
    for (ArmSpec arm : spec.arms()) {
      String reason = arm.init() == null ? null : reasonLeftOut(arm);
      if (reason != null) {
        out.add("arm '" + arm.name() + "': " + reason);
      }
    }
    return out;
  }

  private String reasonLeftOut(ArmSpec arm) {
    if (arm.init() == null) {
      return "it starts from no other weights";
    }
    if (arm.ensemble() != null) {
      return "an ensemble's members are kept whole";
    }
    if (arm.init().from() != null && spec.arm(arm.init().from()).init() != null) {
      // Its base would be stored whole beside its own delta: nothing saved.
      return "it starts from arm '" + arm.init().from() + "', which is itself fine-tuned; chains of deltas are not made";
    }
    return null;
  }

  /**
   * Replaces every variant's {@code model.params} by a delta in {@code mode} to its stored base. A
   * lossy mode replaces the weights by their approximation for good: later runs starting from
   * them get the approximation.
   */
  public List<Packed> pack(Mode mode, Consumer<String> progress) throws IOException {
    List<Packed> packed = new ArrayList<>();
    for (Variant variant : variants()) {
      Path delta = WeightDelta.deltaOf(variant.weights());
      if (!Files.isRegularFile(variant.weights())) {
        packed.add(new Packed(variant, 0, Files.size(delta)));
        progress.accept(label(variant) + ": already packed");
        continue;
      }
      byte[] full = Files.readAllBytes(variant.weights());
      Base base = storeBase(variant);
      Path baseFile = basesDir().resolve(base.digest() + ".params");
      String reference = delta.getParent().relativize(baseFile).toString().replace('\\', '/');
      WeightDelta.Encoded encoded = WeightDelta.encode(base.tensors(), base.digest(), reference, ParameterFile.read(variant.weights()), mode,
          fresh(variant));
      AtomicFiles.write(delta, out -> out.write(encoded.bytes()));
      // Read back from disk, base and all, before the full file goes.
      String decoded = ParameterFile.sha256(ParameterFile.toBytes(WeightDelta.decode(delta)));
      if (mode.isLossless() && !decoded.equals(ParameterFile.sha256(full))) {
        Files.delete(delta);
        throw new IOException(delta + " does not read back as " + variant.weights() + "; the full file is kept");
      }
      Files.delete(variant.weights());
      packed.add(new Packed(variant, full.length, encoded.bytes().length));
      progress.accept(String.format(Locale.ROOT, "%s: %,d bytes -> %,d bytes %s delta", label(variant), full.length,
          encoded.bytes().length, mode));
    }
    return packed;
  }

  /**
   * Writes every delta of the experiment back as its full weights file (checked against the digest
   * the delta records), removes the deltas, then the bases no delta names any more. Returns how
   * many files it restored.
   */
  public int unpack(Consumer<String> progress) throws IOException {
    int restored = 0;
    for (Path delta : deltas()) {
      String name = delta.getFileName().toString();
      Path weights = delta.resolveSibling(name.substring(0, name.length() - WeightDelta.EXTENSION.length()) + ".params");
      WeightDelta.Contents contents = WeightDelta.contents(delta);
      ParameterFile.write(weights, WeightDelta.decode(delta));
      String written = ParameterFile.sha256(Files.readAllBytes(weights));
      if (!written.equals(contents.targetDigest())) {
        throw new IOException(weights + " was written with digest " + written + ", its delta records " + contents.targetDigest()
            + "; the delta is kept");
      }
      Files.delete(delta);
      restored++;
      progress.accept(paths.experimentDir().relativize(weights) + ": restored");
    }
    Set<String> named = new HashSet<>();
    for (Path delta : deltas()) {
      named.add(WeightDelta.contents(delta).baseDigest() + ".params");
    }
    if (Files.isDirectory(basesDir())) {
      try (Stream<Path> files = Files.list(basesDir())) {
        for (Path base : files.filter(f -> !named.contains(f.getFileName().toString())).toList()) {
          Files.delete(base);
        }
      }
      try (Stream<Path> left = Files.list(basesDir())) {
        if (left.findAny().isEmpty()) {
          Files.delete(basesDir());
        }
      }
    }
    return restored;
  }

  /**
   * Measures every variant in each of {@code modes}: bytes whole and as a delta, and the test
   * accuracy of the full weights and of each lossy mode's decoded weights on the run's own test set
   * (its split and standardisation rebuilt from the spec and data, as the run had them). Writes
   * each run's {@link DeltaMeasurement} to its folder (a run measured in these modes already is
   * kept) and returns them all. Changes no weights.
   */
  public List<DeltaMeasurement> measure(List<Mode> modes, Consumer<String> progress) throws IOException {
    ExperimentRunner runner = new ExperimentRunner(spec, baseDir, paths.experimentDir().getParent());
    if (!runner.paths().experimentDir().equals(paths.experimentDir())) {
      throw new IllegalArgumentException("the folder " + paths.experimentDir() + " holds experiment '" + spec.name()
          + "', whose runs Mentor looks for in a folder of that name; rename the folder to measure it");
    }
    ExperimentData data = runner.prepare(new RunListener() {}).data();
    List<String> wanted = modes.stream().map(Mode::toString).toList();
    List<DeltaMeasurement> measured = new ArrayList<>();
    for (Variant variant : variants()) {
      Path file = paths.run(variant.arm().name(), variant.seed()).resolve(DeltaMeasurement.FILE);
      if (Files.isRegularFile(file)) {
        DeltaMeasurement earlier = SpecReader.json().readValue(file.toFile(), DeltaMeasurement.class);
        if (earlier.modes().stream().map(DeltaMeasurement.Mode::mode).toList().equals(wanted)) {
          measured.add(earlier);
          progress.accept(label(variant) + ": measured before");
          continue;
        }
      }
      DeltaMeasurement m = measure(variant, modes, data);
      AtomicFiles.writeString(file, SpecReader.json().writerWithDefaultPrettyPrinter().writeValueAsString(m));
      measured.add(m);
      progress.accept(label(variant) + ": " + describe(m));
    }
    return measured;
  }

  /**
   * Writes the experiment's report again from its runs' records, now with the measured deltas;
   * its machine line is this machine's.
   */
  public Path writeReport() throws IOException {
    List<RunRecord> records = new ArrayList<>();
    for (ArmSpec arm : spec.arms()) {
      for (long seed : spec.seeds()) {
        Path results = paths.results(arm.name(), seed);
        if (Files.isRegularFile(results)) {
          records.add(SpecReader.json().readValue(results.toFile(), RunRecord.class));
        }
      }
    }
    // The same report the run wrote, teachers' views and born-again ensembles included.
    return ExperimentReport.write(paths.experimentDir(), spec, records, Environment.summary(), DarkKnowledgeFiles.readAll(spec, paths),
        GenerationEnsembles.readAll(spec, paths));
  }

  private DeltaMeasurement measure(Variant variant, List<Mode> modes, ExperimentData data) throws IOException {
    Map<String, Tensor> target = ModelWeights.read(variant.weights());
    Base base = readBase(variant);
    String reference = "../" + BASES + "/" + base.digest() + ".params";
    TaskData split = data.split(variant.arm().task(), variant.seed());
    var batches = evaluationBatches(split.test(), data.normalization(variant.arm(), variant.seed()));
    try (NDManager manager = NDManager.newBaseManager()) {
      ImageSet test = split.test();
      StagedModel model = ModelZoo.create(variant.arm().model(), split.numClasses(), new Shape(test.channels(), test.height(), test.width()),
          manager, 0);
      Trainer trainer = new Trainer(model, manager, variant.seed());
      ModelWeights.restore(model, target);
      double fullAccuracy = Metrics.of(trainer.predict(batches)).accuracy();
      List<DeltaMeasurement.Mode> results = new ArrayList<>();
      for (Mode mode : modes) {
        WeightDelta.Encoded encoded = WeightDelta.encode(base.tensors(), base.digest(), reference, target, mode, fresh(variant));
        Map<String, WeightDelta.Kind> kinds = WeightDelta.contents(encoded.bytes()).tensors();
        int unchanged = (int) kinds.values().stream().filter(k -> k == WeightDelta.Kind.UNCHANGED).count();
        Double accuracy = null;
        if (!mode.isLossless()) {
          ModelWeights.restore(model, encoded.decoded());
          accuracy = Metrics.of(trainer.predict(batches)).accuracy();
        }
        results.add(new DeltaMeasurement.Mode(mode.toString(), encoded.bytes().length, kinds.size() - unchanged, unchanged,
            maxAbsError(target, encoded.decoded()), accuracy));
      }
      return new DeltaMeasurement(variant.arm().name(), variant.seed(), variant.startsFrom(), base.digest(), base.bytes(),
          ParameterFile.toBytes(target).length, fullAccuracy, results);
    }
  }

  /** The tensors of a variant that did not start from its base: the head, unless the arm kept it ({@link ModelWeights#loadBackbone}). */
  private static Predicate<String> fresh(Variant variant) {
    return variant.arm().init().keepHead() ? name -> false : name -> name.startsWith("head/");
  }

  private static double maxAbsError(Map<String, Tensor> target, Map<String, Tensor> decoded) {
    double max = 0;
    for (Map.Entry<String, Tensor> t : target.entrySet()) {
      float[] a = t.getValue().values();
      float[] b = decoded.get(t.getKey()).values();
      for (int i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs((double) a[i] - b[i]));
      }
    }
    return max;
  }

  private static String describe(DeltaMeasurement m) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "full %,d bytes, test acc %.2f%%", m.fullBytes(),
        m.testAccuracy() * 100));
    for (DeltaMeasurement.Mode mode : m.modes()) {
      out.append(String.format(Locale.ROOT, "; %s %,d bytes", mode.mode(), mode.bytes()));
      if (mode.testAccuracy() != null) {
        out.append(String.format(Locale.ROOT, " (acc %+.2f points)", (mode.testAccuracy() - m.testAccuracy()) * 100));
      }
    }
    return out.toString();
  }

  private Base readBase(Variant variant) throws IOException {
    Path file = variant.base().toAbsolutePath().normalize();
    Base base = bases.get(file);
    if (base == null) {
      Map<String, Tensor> tensors = ModelWeights.read(file);
      byte[] bytes = ParameterFile.toBytes(tensors);
      base = new Base(ParameterFile.sha256(bytes), tensors, bytes.length);
      bases.put(file, base);
    }
    return base;
  }

  /** The variant's base, stored in the experiment's bases folder under its digest unless it is there already. */
  private Base storeBase(Variant variant) throws IOException {
    Base base = readBase(variant);
    Path file = basesDir().resolve(base.digest() + ".params");
    if (Files.isRegularFile(file)) {
      String found = ParameterFile.sha256(Files.readAllBytes(file));
      if (!found.equals(base.digest())) {
        throw new IOException(file + " is corrupt: its digest is " + found + ", its name says " + base.digest());
      }
    } else {
      byte[] bytes = ParameterFile.toBytes(base.tensors());
      AtomicFiles.write(file, out -> out.write(bytes));
    }
    shareStorage(variant.base(), file, base.digest());
    return base;
  }

  /**
   * Makes the pretrained arm's own weights file and the stored base one file on disk (a hard link),
   * so that the base is stored once: when the arm's file is in this experiment and holds exactly
   * the base's bytes. Readers see the same bytes under both names; unpacking later removes only
   * the bases folder's name. Where the file system has no hard links, both copies stay.
   */
  private void shareStorage(Path original, Path stored, String digest) throws IOException {
    Path source = original.toAbsolutePath().normalize();
    if (!source.startsWith(paths.experimentDir().toAbsolutePath().normalize()) || !Files.isRegularFile(source)
        || Files.isSameFile(source, stored) || !ParameterFile.sha256(Files.readAllBytes(source)).equals(digest)) {
      return;
    }
    Path link = source.resolveSibling(source.getFileName() + ".link");
    Files.deleteIfExists(link);
    try {
      Files.createLink(link, stored);
    } catch (UnsupportedOperationException | IOException e) {
      Files.deleteIfExists(link);
      return;
    }
    Files.move(link, source, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private Path basesDir() {
    return paths.experimentDir().resolve(BASES);
  }

  /** Every delta file in the experiment's run folders (and their ensemble members'). */
  private List<Path> deltas() throws IOException {
    try (Stream<Path> files = Files.walk(paths.experimentDir(), 3)) {
      return files.filter(f -> f.getFileName().toString().endsWith(WeightDelta.EXTENSION) && Files.isRegularFile(f)).sorted().toList();
    }
  }

  private static String label(Variant variant) {
    return variant.arm().name() + " seed " + variant.seed();
  }
}
