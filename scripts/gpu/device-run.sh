#!/usr/bin/env bash
# Runs on the device machine from the repo root (see run-on-device.sh): the CUDA tests, then benchmarks.
# TESTS=0 skips the tests, BENCH=0 the benchmarks; FILTER narrows the tests. SERVE=1 adds the serving run
# (bench/gpu/serve-run.sh), LLAMA=1 the Llama-3.1-8B-shaped decode run (bench/gpu/llama-run.sh), TARGETS=SHAPE
# (qwen3-0.6b or llama3.1-8b) every figure issue 5 asks for of that shape (bench/gpu/targets-run.sh).
# KERNELS=SHAPE,... the per-kernel profile (bench cuda-kernels); KERNEL_VARIANTS and PREFILL_VARIANTS pass its
# --variants (GEMV) and --prefill-variants (flash_prefill tiles, e.g. 4x32x64,8x16x64) through.
set -uo pipefail
# The staged folder (.device/cuda by default; DEVICE_DIR when staged under another name): where this script lies.
dev=$(dirname "$0")
export DEVICE_STAGE=$dev
OUT=${OUT:-/tmp/out}
mkdir -p /tmp/dotnet "$OUT"
tar -C /tmp/dotnet -xJf .device/dotnet-runtime-*.tar.xz
export DOTNET_ROOT=/tmp/dotnet PATH=/tmp/dotnet:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
# TEST_CLASSES='AttentionKernelTests CudaGraphTests': each class in a test host of its own (one crash takes down only
# its class; --Blame, which needs the staged datacollector.dll, names the test in flight), logs in $OUT/cuda-tests-CLASS.log.
for cls in ${TEST_CLASSES:-}; do
  timeout "${TESTS_TIMEOUT:-300}" dotnet $dev/vstest/vstest.console.dll $dev/tests/DynamoOrleans.Engine.Tests.dll \
    "--TestCaseFilter:FullyQualifiedName~Backends.Cuda.$cls" --Blame "--ResultsDirectory:$OUT/blame-$cls" \
    "--logger:console;verbosity=detailed" 2>&1 | grep -v -E '^\s*$' > "$OUT/cuda-tests-$cls.log"
  echo "== $cls: $(grep -E 'Total tests|Passed:|Failed:|Aborted' "$OUT/cuda-tests-$cls.log" | tr -s ' \n' ' ')"
  grep -E '^\s+Failed |Error Message|crash' -A2 "$OUT/cuda-tests-$cls.log" | head -12
  find "$OUT/blame-$cls" -name 'Sequence_*' -exec tail -c 600 {} \; 2>/dev/null
done
if [ "${TESTS:-1}" = 1 ]; then
  timeout "${TESTS_TIMEOUT:-300}" dotnet $dev/vstest/vstest.console.dll $dev/tests/DynamoOrleans.Engine.Tests.dll \
    "--TestCaseFilter:${FILTER:-FullyQualifiedName~Backends.Cuda}" \
    "--logger:console;verbosity=detailed" "--logger:trx;LogFileName=$OUT/cuda-tests.trx" 2>&1 \
    | grep -v -E '^\s*$' > "$OUT/cuda-tests.log"
  grep -E 'Failed |Error Message|Assert|Exception|at Dynamo|Total tests|Passed:|Failed:|Skipped:' "$OUT/cuda-tests.log" | head -80
  tail -5 "$OUT/cuda-tests.log"
fi
if [ "${BENCH:-1}" = 1 ] && [ -x $dev/bench-run.sh ]; then
  bash $dev/bench-run.sh
fi
if [ "${SERVE:-0}" = 1 ]; then
  timeout "${SERVE_TIMEOUT:-240}" bash $dev/serve-run.sh
fi
if [ "${LLAMA:-0}" = 1 ]; then
  timeout "${LLAMA_TIMEOUT:-200}" bash $dev/llama-run.sh
fi
if [ -n "${TARGETS:-}" ]; then
  timeout "${TARGETS_TIMEOUT:-560}" bash $dev/targets-run.sh "$TARGETS"
fi
# KERNELS=qwen3-0.6b,llama3.1-8b: the kernel-by-kernel profile (cuda-kernels) of each shape, to $OUT/kernels-SHAPE.md.
# DECODE_VARIANTS='DEC_TENSOR_CORES=0,DEC_MIN_BLOCKS=4': decode_attention.cu builds timed beside the default one.
for shape in $(echo "${KERNELS:-}" | tr , " "); do
  timeout "${KERNELS_TIMEOUT:-240}" dotnet $dev/bench/app/DynamoOrleans.Engine.Bench.dll cuda-kernels --shape "$shape" ${KERNEL_VARIANTS:+--variants "$KERNEL_VARIANTS"} ${DECODE_VARIANTS:+--decode-variants "$DECODE_VARIANTS"} ${PREFILL_VARIANTS:+--prefill-variants "$PREFILL_VARIANTS"} --out "$OUT/kernels-$shape.md"
done
