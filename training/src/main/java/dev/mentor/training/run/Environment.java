package dev.mentor.training.run;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The software and hardware a run used, recorded with every run so a time or a number can be
 * put in context: library versions, CPU model, cores, engine threads, heap and device.
 */
public final class Environment {
  private Environment() {}

  public static Map<String, Object> describe() {
    Map<String, Object> env = new LinkedHashMap<>();
    Engine engine = Engine.getInstance();
    env.put("mentor", versionOf(Environment.class));
    env.put("djl", Engine.getDjlVersion());
    env.put("engine", engine.getEngineName() + " " + engine.getVersion());
    env.put("device", engine.defaultDevice().toString());
    env.put("gpus", engine.getGpuCount());
    env.put("engineThreads", JniUtils.getNumThreads());
    env.put("engineInteropThreads", JniUtils.getNumInteropThreads());
    env.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    env.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
    env.put("cpu", cpuModel());
    env.put("cores", Runtime.getRuntime().availableProcessors());
    env.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
    return env;
  }

  /** One line for reports: CPU, cores, threads, engine and DJL versions. */
  public static String summary() {
    Map<String, Object> env = describe();
    return env.get("cpu") + ", " + env.get("cores") + " cores, " + env.get("engineThreads") + " engine threads, device "
        + env.get("device") + "; " + env.get("engine") + ", DJL " + env.get("djl") + ", " + env.get("java");
  }

  static String cpuModel() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or not readable: the architecture is the best we can say.
    }
    return System.getProperty("os.arch");
  }

  private static String versionOf(Class<?> type) {
    String version = type.getPackage().getImplementationVersion();
    return version == null ? "development build" : version;
  }
}
