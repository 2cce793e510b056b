package dev.mentor.training.engine;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which CPU kernels the engine's convolutions run on, and the engine's log level, for every JVM
 * Mentor starts.
 *
 * <p>The oneDNN 3.7.1 bundled with libtorch 2.7.1 computes wrong convolutions on x86 CPUs with
 * AVX or wider whenever channels are not a multiple of its kernels' channel block (8 with
 * AVX/AVX2, 16 with AVX-512): NaN or garbage input gradients, and with AVX, NaN outputs
 * ({@code docs/engine.md}). Measured on 300 random shapes, only the SSE4.1 cap, where oneDNN
 * falls back to its GEMM path, and PyTorch's own convolution kernels (oneDNN switched off, as
 * {@code torch.backends.mkldnn.enabled = False} does) were exact; PyTorch's kernels were also
 * the faster of the two. So by default Mentor switches oneDNN off for the engine and, in case
 * anything still reaches it, caps it at {@link #DEFAULT_CAP}.
 *
 * <p>{@code MENTOR_ONEDNN_ISA=native} opts out (oneDNN on, uncapped: wrong on the shapes above);
 * {@code MENTOR_ONEDNN_ISA=<ISA>} turns oneDNN on with that cap. Either way the engine
 * self-check ({@link EngineSelfCheck}) decides whether training may start.
 *
 * <p>oneDNN reads {@code ONEDNN_MAX_CPU_ISA} once, at its first primitive, so the cap must be in
 * the environment before the engine's first convolution: Mentor's launcher, Surefire
 * configuration, Docker image and the child JVMs it starts ({@link #applyTo}) put it there, and
 * {@link #prepare()} sets it in a JVM started without it (through the C library's {@code
 * setenv}), which works as long as the engine has not run a convolution yet. The oneDNN switch
 * is a call into the loaded engine ({@link #setOneDnnEnabled}) that takes effect at once.
 */
public final class EngineKernels {
  /** oneDNN's cap on the instruction set of its kernels. */
  public static final String ISA_VARIABLE = "ONEDNN_MAX_CPU_ISA";
  /** Mentor's setting: unset = the safe default, {@code native} = oneDNN on and uncapped, an ISA name = oneDNN on, capped there. */
  public static final String SETTING = "MENTOR_ONEDNN_ISA";
  /** The value of {@link #SETTING} that turns oneDNN on, uncapped. */
  public static final String NATIVE = "native";
  /** The widest cap under which oneDNN's convolutions were measured exact on every shape tried (docs/engine.md). */
  public static final String DEFAULT_CAP = "SSE41";
  /** libtorch's C++ log level: ERROR keeps its per-call warnings (NNPACK, deprecations) off the console. */
  public static final String LOG_VARIABLE = "TORCH_CPP_LOG_LEVEL";
  public static final String DEFAULT_LOG_LEVEL = "ERROR";

  /** The CPU flags that decide which oneDNN kernels run, in the order oneDNN's ISAs build on them. */
  static final List<String> RELEVANT_FLAGS = List.of("sse4_1", "avx", "avx2", "fma", "avx_vnni", "avx512f", "avx512bw",
      "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_int8", "amx_bf16");

  private static final Logger LOG = LoggerFactory.getLogger(EngineKernels.class);
  private static State state;

  private EngineKernels() {}

  /**
   * What this process's engine was set to.
   *
   * @param cap the value of {@code ONEDNN_MAX_CPU_ISA} the engine reads, or null when uncapped
   * @param oneDnn whether the engine's convolutions use oneDNN (false: PyTorch's own kernels)
   * @param source where the cap came from: the environment, Mentor (in-process) or the user's setting
   */
  public record State(String cap, boolean oneDnn, String source) {}

  /**
   * The variables a JVM that runs the engine needs, given its environment: the cap (unless it is
   * set already or the user opted out) and the quiet log level (unless set). Empty when nothing
   * is missing.
   */
  public static Map<String, String> missingVariables(Map<String, String> environment) {
    Map<String, String> missing = new LinkedHashMap<>();
    String cap = capFor(environment);
    if (cap != null && isBlank(environment.get(ISA_VARIABLE))) {
      missing.put(ISA_VARIABLE, cap);
    }
    if (isBlank(environment.get(LOG_VARIABLE))) {
      missing.put(LOG_VARIABLE, DEFAULT_LOG_LEVEL);
    }
    return missing;
  }

  /** The cap {@code environment} asks for: ONEDNN_MAX_CPU_ISA if set, else Mentor's setting, else the default; null = uncapped. */
  static String capFor(Map<String, String> environment) {
    String explicit = environment.get(ISA_VARIABLE);
    if (!isBlank(explicit)) {
      return explicit.trim();
    }
    String setting = environment.get(SETTING);
    if (isBlank(setting)) {
      return DEFAULT_CAP;
    }
    return setting.trim().equalsIgnoreCase(NATIVE) ? null : setting.trim().toUpperCase(Locale.ROOT);
  }

  /** Whether {@code environment} asks for oneDNN: only when Mentor's setting names {@code native} or a cap. */
  static boolean oneDnnFor(Map<String, String> environment) {
    return !isBlank(environment.get(SETTING));
  }

  /**
   * The C library's allocator settings Mentor's launcher gives the JVM (glibc reads them at process
   * start, so they cannot be set from Java): blocks up to 64 MiB come from the heap and freed
   * memory is kept up to 512 MiB, instead of the default of mapping every large block (a
   * convolution's unfolded input, tens of megabytes at batch 128) fresh from the kernel and
   * unmapping it after the step, which made a third of the process's CPU time page faults
   * (docs/benchmarks.md, "Where the time goes").
   */
  public static final Map<String, String> ALLOCATOR_SETTINGS = Map.of(
      "MALLOC_MMAP_THRESHOLD_", "67108864",
      "MALLOC_TRIM_THRESHOLD_", "536870912",
      "MALLOC_TOP_PAD_", "67108864");

  /**
   * How long the engine's OpenMP threads spin before they sleep between parallel regions: 10,000
   * iterations instead of libgomp's 300,000. The long spin gains nothing on an idle machine and
   * collapses when anything else wants the cores (another run, a second service node, a test JVM):
   * a team member that is descheduled makes the others spin for its whole time slice. Measured on
   * 2 cores, a one-CNN run beside one busy JVM took 227 s with the default spin, 45 s with 10,000
   * and 27 s with no spin ({@code OMP_WAIT_POLICY=PASSIVE}, which costs 10-20 % on an idle
   * machine, where 10,000 is within noise of the default; docs/benchmarks.md). libgomp reads it
   * when the engine's library loads, so {@link #prepare()} sets it in this process too.
   */
  public static final Map<String, String> THREAD_SETTINGS = Map.of("GOMP_SPINCOUNT", "10000");

  /** Gives a child process the variables this process's engine would need (a child JVM reads them before its engine loads). */
  public static ProcessBuilder applyTo(ProcessBuilder builder) {
    Map<String, String> childEnvironment = builder.environment();
    missingVariables(childEnvironment).forEach(childEnvironment::putIfAbsent);
    ALLOCATOR_SETTINGS.forEach(childEnvironment::putIfAbsent);
    THREAD_SETTINGS.forEach(childEnvironment::putIfAbsent);
    return builder;
  }

  /**
   * Makes sure this process's engine will read the cap and the log level: sets whatever is
   * missing from the environment in the process itself, before the engine loads. Idempotent;
   * call it before anything touches the engine.
   */
  public static synchronized State prepare() {
    if (state != null) {
      return state;
    }
    Map<String, String> environment = System.getenv();
    Map<String, String> threads = new LinkedHashMap<>(THREAD_SETTINGS);
    threads.keySet().removeIf(name -> !isBlank(environment.get(name)));
    if (!threads.isEmpty() && !setInProcess(threads)) {
      LOG.debug("could not set {} in this process", threads);
    }
    Map<String, String> missing = missingVariables(environment);
    boolean set = missing.isEmpty() || setInProcess(missing);
    String cap = capFor(environment);
    String source;
    if (!isBlank(environment.get(ISA_VARIABLE))) {
      source = "environment";
    } else if (cap == null) {
      source = SETTING + "=" + NATIVE;
    } else if (set) {
      source = "set by Mentor in this process";
      LOG.debug("set {}={} in this process before the engine loads", ISA_VARIABLE, cap);
    } else {
      source = "could not be set in this process";
      cap = null;
    }
    state = new State(cap, oneDnnFor(environment), source);
    return state;
  }

  /**
   * Readies the loaded engine: applies the log level and switches oneDNN off unless the user
   * asked for it. Call after the engine has loaded and before its first convolution.
   */
  public static synchronized void configureLoadedEngine() {
    State current = prepare();
    applyEngineLogLevel();
    if (!current.oneDnn() && !setOneDnnEnabled(false)) {
      LOG.warn("could not switch the engine's oneDNN off; the engine self-check decides whether its convolutions can be trusted");
    }
  }

  /** The state {@link #prepare()} decided (preparing now if it has not run). */
  public static State current() {
    return prepare();
  }

  /**
   * The instruction set oneDNN's kernels use in this process: the narrower of the cap and what
   * the CPU offers, in oneDNN's names ({@code AVX512_CORE_BF16}, {@code AVX2}, ...).
   */
  public static String inForce() {
    String cpu = widestIsa();
    String cap = current().cap();
    if (cap == null || cap.equalsIgnoreCase("ALL") || cap.equalsIgnoreCase("DEFAULT")) {
      return cpu;
    }
    int capRank = ORDER.indexOf(cap.toUpperCase(Locale.ROOT));
    int cpuRank = ORDER.indexOf(cpu);
    return capRank >= 0 && capRank < cpuRank ? ORDER.get(capRank) : cpu;
  }

  /** oneDNN's x86 instruction sets from narrowest to widest (those a CPU flag list can tell apart). */
  static final List<String> ORDER = List.of("SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX512_CORE", "AVX512_CORE_VNNI",
      "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX");

  /** The widest of {@link #ORDER} this CPU runs. */
  public static String widestIsa() {
    return widestIsa(cpuFlags());
  }

  /** The widest of {@link #ORDER} that a CPU with these flags runs. */
  static String widestIsa(Set<String> flags) {
    boolean avx512core = flags.containsAll(Set.of("avx512f", "avx512bw", "avx512vl", "avx512dq"));
    if (avx512core && flags.containsAll(Set.of("amx_tile", "amx_int8", "amx_bf16"))) {
      return "AVX512_CORE_AMX";
    }
    if (avx512core && flags.contains("avx512_fp16")) {
      return "AVX512_CORE_FP16";
    }
    if (avx512core && flags.contains("avx512_bf16")) {
      return "AVX512_CORE_BF16";
    }
    if (avx512core && flags.contains("avx512_vnni")) {
      return "AVX512_CORE_VNNI";
    }
    if (avx512core) {
      return "AVX512_CORE";
    }
    if (flags.contains("avx2") && flags.contains("avx_vnni")) {
      return "AVX2_VNNI";
    }
    if (flags.contains("avx2")) {
      return "AVX2";
    }
    if (flags.contains("avx")) {
      return "AVX";
    }
    return flags.contains("sse4_1") ? "SSE41" : "none (not x86, or no SSE4.1)";
  }

  /** The CPU's flags among {@link #RELEVANT_FLAGS} (empty off Linux/x86). */
  public static Set<String> cpuFlags() {
    Set<String> flags = new TreeSet<>((a, b) -> RELEVANT_FLAGS.indexOf(a) - RELEVANT_FLAGS.indexOf(b));
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("flags")) {
          for (String flag : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
            if (RELEVANT_FLAGS.contains(flag)) {
              flags.add(flag);
            }
          }
          break;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: no flags to report.
    }
    return flags;
  }

  /** The CPU's model name from {@code /proc/cpuinfo}, or the architecture where that cannot be read. */
  public static String cpuModel() {
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

  /** The kernels the engine's convolutions run on: {@code pytorch} (oneDNN off) or {@code onednn <ISA in force>}. */
  public static String convolutionKernels() {
    return current().oneDnn() ? "onednn " + inForce() : "pytorch";
  }

  /** One line for reports and errors: the convolution kernels, oneDNN's ISA and cap, and what the CPU offers. */
  public static String describe() {
    State current = current();
    return "convolutions on " + (current.oneDnn() ? "oneDNN" : "PyTorch's kernels (oneDNN off)") + ", oneDNN ISA " + inForce()
        + " (" + (current.cap() == null ? "uncapped" : ISA_VARIABLE + "=" + current.cap()) + ", " + current.source()
        + "); CPU offers " + widestIsa();
  }

  /**
   * Applies {@code TORCH_CPP_LOG_LEVEL} to the loaded engine. libtorch reads it only in
   * {@code c10::initLogging()}, which Python's torch calls at import and a C++ host must call
   * itself; until then every warning (NNPACK's "Unsupported hardware" on each convolution, for
   * one) reaches the console. Call after the engine has loaded; a no-op where libc10 is not found.
   */
  public static void applyEngineLogLevel() {
    Path c10 = loadedLibrary("libc10.so");
    if (c10 == null) {
      return;
    }
    try {
      NativeLibrary.getInstance(c10.toString()).getFunction("_ZN3c1011initLoggingEv").invokeVoid(new Object[0]);
    } catch (LinkageError | RuntimeException e) {
      LOG.debug("could not apply {} to the engine: {}", LOG_VARIABLE, e.toString());
    }
  }

  /**
   * Switches the engine's use of oneDNN (mkldnn) on or off for the operations that follow, as
   * {@code torch.backends.mkldnn.enabled} does in Python: off, convolutions run on PyTorch's own
   * kernels (im2col and the BLAS). Returns whether the engine now reports the requested state;
   * false where libtorch_cpu is not loaded or lacks the call.
   */
  public static boolean setOneDnnEnabled(boolean enabled) {
    Path torch = loadedLibrary("libtorch_cpu.so");
    if (torch == null) {
      return false;
    }
    try {
      NativeLibrary library = NativeLibrary.getInstance(torch.toString());
      Pointer context = library.getFunction("_ZN2at13globalContextEv").invokePointer(new Object[0]);
      library.getFunction("_ZN2at7Context20setUserEnabledMkldnnEb").invokeVoid(new Object[] {context, (byte) (enabled ? 1 : 0)});
      return ((library.getFunction("_ZNK2at7Context17userEnabledMkldnnEv").invokeInt(new Object[] {context}) & 0xff) != 0) == enabled;
    } catch (LinkageError | RuntimeException e) {
      LOG.warn("could not switch the engine's oneDNN use: {}", e.toString());
      return false;
    }
  }

  /** The file of a shared library this process has loaded (from {@code /proc/self/maps}), or null. */
  static Path loadedLibrary(String fileName) {
    try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
      return lines.map(line -> line.substring(line.lastIndexOf(' ') + 1))
          .filter(path -> path.endsWith("/" + fileName))
          .findFirst().map(Path::of).orElse(null);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private interface CLibrary extends Library {
    int setenv(String name, String value, int overwrite);
  }

  private static boolean setInProcess(Map<String, String> variables) {
    try {
      CLibrary libc = Native.load("c", CLibrary.class);
      for (Map.Entry<String, String> variable : variables.entrySet()) {
        if (libc.setenv(variable.getKey(), variable.getValue(), 0) != 0) {
          return false;
        }
      }
      return true;
    } catch (LinkageError | RuntimeException e) {
      LOG.warn("could not set {} in this process ({}); set it in the environment before starting Java", variables.keySet(),
          e.toString());
      return false;
    }
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }
}
