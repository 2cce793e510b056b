package dev.mentor.actors.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.mentor.messages.spec.DistillSpec.Average;
import dev.mentor.messages.spec.ModelSpec;
import dev.mentor.messages.spec.SpecException;
import dev.mentor.messages.spec.SpecName;
import dev.mentor.messages.spec.SpecReader;
import dev.mentor.training.distill.DarkKnowledge;
import dev.mentor.training.report.DarkKnowledgeCharts;
import dev.mentor.training.report.DarkKnowledgeTables;
import dev.mentor.training.run.ExperimentFile;
import dev.mentor.training.run.TeacherExplainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mentor explain-teacher EXPERIMENT --arm ARM | --checkpoint FILE --model MODEL}: the class
 * similarity a teacher passes on ({@link DarkKnowledge}, made by {@link TeacherExplainer}): the
 * entropy of its soft targets at each temperature and its most confused class pairs printed, a
 * heatmap of the mean soft target per true class at each temperature and the entropy chart
 * written to {@code --out}. A request that cannot be served exits 2 naming the option and what it allows.
 */
@Command(name = "explain-teacher", description = "Show the dark knowledge a teacher passes on: its mean soft target per true class at"
    + " several temperatures (heatmaps), the entropy of its soft targets against T, and the class pairs it confuses most. The teacher is"
    + " an arm of a finished experiment (an ensemble arm: its members averaged) or a checkpoint file with --model.")
final class ExplainTeacherCommand implements Callable<Integer> {
  static final int BAD_REQUEST = 2;
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Parameters(paramLabel = "EXPERIMENT", description = "the experiment file: its data, tasks and seeds")
  Path file;

  @Option(names = "--arm", description = "the teacher: an arm of the experiment whose run at --seed finished")
  String arm;

  @Option(names = "--seed", description = "the seed of the arm's run and of the task's split (default: the experiment's first)")
  Long seed;

  @Option(names = "--checkpoint", paramLabel = "FILE", description = "the teacher: a weights file, with --model")
  Path checkpoint;

  @Option(names = "--model", paramLabel = "JSON|YAML", description = "the checkpoint's model, e.g. '{type: mlp, widths: [64]}'")
  String model;

  @Option(names = "--task", description = "the task whose split the checkpoint sees (default: the experiment's only task)")
  String task;

  @Option(names = "--temperatures", split = ",", defaultValue = "1,2,4,8,20", paramLabel = "T,T,...",
      description = "temperatures, each > 0 (default: ${DEFAULT-VALUE})")
  List<String> temperatures;

  @Option(names = "--split", defaultValue = "test", description = "test, validation or train (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--average", defaultValue = "probabilities",
      description = "an ensemble's members: probabilities (mean of their tempered probabilities) or logits (default: ${DEFAULT-VALUE})")
  String average;

  @Option(names = "--rank-at", paramLabel = "T", description = "the temperature the pairs are ranked at (default: the listed one nearest 4,"
      + " a student's default)")
  Double rankAt;

  @Option(names = "--pairs", defaultValue = "5", description = "how many pairs to list (default: ${DEFAULT-VALUE})")
  int pairs;

  @Option(names = "--output", defaultValue = "runs", description = "root folder of the experiment's runs (default: ${DEFAULT-VALUE})")
  Path output;

  @Option(names = "--out", defaultValue = "teacher-view", paramLabel = "DIR", description = "where the PNGs go (default: ${DEFAULT-VALUE})")
  Path out;

  @Mixin
  DataInstallOption dataInstall = new DataInstallOption();

  @Override
  public Integer call() throws IOException {
    TeacherExplainer.Request request;
    try {
      request = new TeacherExplainer.Request(arm, seed, checkpoint, modelSpec(), task, split, parseTemperatures(), averageMode());
    } catch (TeacherExplainer.BadRequest e) {
      return refuse(e);
    }
    dataInstall.apply();
    DarkKnowledge view;
    try {
      view = TeacherExplainer.explain(ExperimentFile.read(file), output, request);
    } catch (TeacherExplainer.BadRequest e) {
      return refuse(e);
    }
    double ranked = view.nearestTemperature(rankAt != null ? rankAt : DarkKnowledge.DEFAULT_RANKING_TEMPERATURE);
    System.out.printf(Locale.ROOT, "teacher: %s; %s split, %d samples, %d classes%s%n%n", view.teacher(), view.split(), view.samples(),
        view.classes().size(), view.average().equals(Average.LOGITS.toString()) ? ", members' logits averaged" : "");
    System.out.printf(Locale.ROOT, "Soft targets' entropy against T (ln C = %.3f nats):%n%n", Math.log(view.classes().size()));
    System.out.println(DarkKnowledgeTables.entropy(view));
    System.out.println("Most confused class pairs, ranked at T = " + DarkKnowledge.plain(ranked) + ", mass (M[i][j] + M[j][i]) / 2:\n");
    System.out.println(DarkKnowledgeTables.pairs(view, ranked, Math.max(1, pairs)));
    for (double t : view.temperatureList()) {
      Path png = out.resolve("heatmap-T" + DarkKnowledgeCharts.fileName(t) + ".png");
      DarkKnowledgeCharts.writePng(png, DarkKnowledgeCharts.heatmap(view.teacher(), view, t));
      System.out.println("heatmap: " + png);
    }
    Path chart = out.resolve("entropy.png");
    DarkKnowledgeCharts.writePng(chart, DarkKnowledgeCharts.entropy(view.teacher() + ": entropy of its soft targets against T",
        List.of(view.teacher()), List.of(view)));
    System.out.println("entropy chart: " + chart);
    return 0;
  }

  private static int refuse(TeacherExplainer.BadRequest e) {
    System.err.println("mentor explain-teacher: --" + e.getMessage());
    return BAD_REQUEST;
  }

  private List<Double> parseTemperatures() {
    List<Double> values = new ArrayList<>();
    for (int i = 0; i < temperatures.size(); i++) {
      try {
        values.add(Double.parseDouble(temperatures.get(i).strip()));
      } catch (NumberFormatException e) {
        throw new TeacherExplainer.BadRequest("temperatures[" + i + "] must be a number > 0, got '" + temperatures.get(i) + "'");
      }
    }
    return values;
  }

  private Average averageMode() {
    try {
      return SpecName.parse(Average.class, average);
    } catch (IllegalArgumentException | SpecException e) {
      throw new TeacherExplainer.BadRequest("average must be one of " + String.join(", ",
          Arrays.stream(Average.values()).map(Average::toString).toList()) + ", got '" + average + "'");
    }
  }

  /** The {@code --model} snippet, YAML or JSON, read and validated as an arm's model is. */
  private ModelSpec modelSpec() {
    if (model == null) {
      return null;
    }
    try {
      JsonNode node = YAML.readTree(model);
      return SpecReader.readJson(node == null ? "" : node.toString(), ModelSpec.class);
    } catch (IOException | SpecException e) {
      throw new TeacherExplainer.BadRequest("model: " + e.getMessage().strip().replaceAll("\\s*\\R\\s*", " "));
    }
  }
}
