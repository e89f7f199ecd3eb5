#!/usr/bin/env bash
# Compiles both kernel modules (Engine/Backends/Cuda/Kernels) to PTX with clang, on a machine without a GPU or
# NVRTC: catches syntax, type and inline-asm constraint errors before device time is spent. clang is not NVRTC
# (its CUDA support and headers differ), so passing here is necessary, not sufficient. Needs `apt-get install clang`.
# Also reports local-memory use (register arrays spilled or indexed at run time), which costs speed on the GPU.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
kernels=$root/Engine/Backends/Cuda/Kernels
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v clang++ >/dev/null || { echo "clang++ is not installed (apt-get install -y clang)" >&2; exit 2; }
status=0
for module in main tensor-core; do
  if [ $module = main ]; then cat "$kernels/common.cuh" "$kernels"/*.cu > "$work/$module.cu"
  else cat "$kernels/common.cuh" "$kernels"/TensorCore/*.cu > "$work/$module.cu"; fi
  if clang++ -x cuda --cuda-gpu-arch=sm_80 -nocudainc -nocudalib --cuda-device-only -fms-extensions \
       -include "$root/scripts/gpu/clang-cuda-prelude.h" -S -O2 -o "$work/$module.ptx" "$work/$module.cu"; then
    echo "$module: $(grep -c '\.entry' "$work/$module.ptx") kernels, $(grep -c 'mma.sync' "$work/$module.ptx") mma.sync, $(grep -c 'st.local\|ld.local' "$work/$module.ptx") local-memory accesses"
  else
    status=1
  fi
done
exit $status
