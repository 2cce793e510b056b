#!/bin/sh
# Starts Mentor in the container. With no arguments, or with options only (for example
# `--cpu-slots 2`), it runs the service:
#   serve --bootstrap-servers $MENTOR_BOOTSTRAP_SERVERS --metrics-bind 0.0.0.0 --metrics-port 9464
#         --state $MENTOR_STATE_DIR --output $MENTOR_OUTPUT_DIR [options]
# (defaults kafka:9092, /var/lib/mentor/state, /var/lib/mentor/runs).
# Any other first argument is a command and runs as given (`submit FILE --bootstrap-servers ...`).
# MENTOR_THREADS sets the engine's intra-op threads (default: the CPUs this container may use);
# MENTOR_JAVA_OPTS adds JVM options.
set -eu

home="${MENTOR_HOME:-/opt/mentor}"

if [ "$#" -eq 0 ] || [ "${1#-}" != "$1" ]; then
  set -- serve \
    --bootstrap-servers "${MENTOR_BOOTSTRAP_SERVERS:-kafka:9092}" \
    --metrics-bind 0.0.0.0 --metrics-port 9464 \
    --state "${MENTOR_STATE_DIR:-/var/lib/mentor/state}" --output "${MENTOR_OUTPUT_DIR:-/var/lib/mentor/runs}" \
    "$@"
fi

threads="${MENTOR_THREADS:-$(nproc)}"

# The engine's convolution kernels (docs/engine.md), as ./mentor sets them: oneDNN capped at SSE41
# before the engine loads; MENTOR_ONEDNN_ISA=native opts out, =<ISA> caps oneDNN there instead.
case "${MENTOR_ONEDNN_ISA:-}" in
  "") export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-SSE41}" ;;
  native|NATIVE) ;;
  *) export ONEDNN_MAX_CPU_ISA="${ONEDNN_MAX_CPU_ISA:-$MENTOR_ONEDNN_ISA}" ;;
esac
export TORCH_CPP_LOG_LEVEL="${TORCH_CPP_LOG_LEVEL:-ERROR}"
# The C library's allocator settings of ./mentor (docs/benchmarks.md): large engine buffers stay on
# the heap instead of being mapped and unmapped every training step.
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-67108864}"
export MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-536870912}"
export MALLOC_TOP_PAD_="${MALLOC_TOP_PAD_:-67108864}"
# The engine's OpenMP threads spin briefly before they sleep between parallel regions: libgomp's
# long default spin collapses when anything else wants the cores (docs/benchmarks.md);
# EngineKernels.THREAD_SETTINGS.
export GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-10000}"

# The heap is a share of the container's memory: PyTorch's tensors live outside it.
# shellcheck disable=SC2086 # MENTOR_JAVA_OPTS is a list of options
exec java \
  -Dai.djl.offline=true -Djava.awt.headless=true \
  -Dai.djl.pytorch.num_threads="$threads" -Dai.djl.pytorch.num_interop_threads=1 \
  -XX:MaxRAMPercentage=50 -XX:MaxDirectMemorySize=512m -XX:+ExitOnOutOfMemoryError \
  ${MENTOR_JAVA_OPTS:-} \
  -cp "$home/actors/classes:$home/training/classes:$home/messages/classes:$home/monitoring/classes:$home/lib/*" \
  dev.mentor.actors.cli.MentorMain "$@"
