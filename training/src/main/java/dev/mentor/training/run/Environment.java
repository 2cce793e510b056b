package dev.mentor.training.run;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import dev.mentor.training.engine.EngineKernels;
import dev.mentor.training.engine.EngineSelfCheck;
import java.util.LinkedHashMap;
import java.util.List;
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
    env.put("cpu", EngineKernels.cpuModel());
    env.put("cpuFlags", List.copyOf(EngineKernels.cpuFlags()));
    env.put("cores", Runtime.getRuntime().availableProcessors());
    env.put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20);
    EngineKernels.State isa = EngineKernels.current();
    env.put("convolutionKernels", EngineKernels.convolutionKernels());
    env.put("onednnIsa", EngineKernels.inForce());
    env.put("onednnMaxCpuIsa", isa.cap() == null ? "uncapped" : isa.cap());
    env.put("onednnCapSource", isa.source());
    EngineSelfCheck.Result check = EngineSelfCheck.lastResult();
    env.put("engineSelfCheck", check == null ? Map.of("passed", "not run") : check.describe());
    return env;
  }

  /** One line for reports: CPU, cores, threads, the kernels' instruction set and the self-check, engine and DJL versions. */
  public static String summary() {
    Map<String, Object> env = describe();
    EngineSelfCheck.Result check = EngineSelfCheck.lastResult();
    String selfCheck = check == null ? "not run" : check.passed() ? "passed" : "FAILED";
    return env.get("cpu") + ", " + env.get("cores") + " cores, " + env.get("engineThreads") + " engine threads, device "
        + env.get("device") + ", convolutions on " + env.get("convolutionKernels") + " (oneDNN cap " + env.get("onednnMaxCpuIsa")
        + "), engine self-check "
        + selfCheck + "; " + env.get("engine") + ", DJL " + env.get("djl") + ", " + env.get("java");
  }

  private static String versionOf(Class<?> type) {
    String version = type.getPackage().getImplementationVersion();
    return version == null ? "development build" : version;
  }
}
