#!/usr/bin/env bash
# Device side of the CUDA benchmark (called by scripts/gpu/device-run.sh): makes the random-weight
# Qwen3-0.6B-shaped model with transformers, times transformers on it, then times the CUDA runner.
set -uo pipefail
dev=${DEVICE_STAGE:-.device/cuda}
export PYTHONUNBUFFERED=1
model=/tmp/qwen3-0.6b-random
python3 $dev/bench/transformers_baseline.py --make "$model" --out "$OUT/bench-transformers.md" 2>&1 | grep -v Warning
dotnet $dev/bench/app/DynamoOrleans.Engine.Bench.dll cuda-runner --model "$model" \
  --reference "$model/reference.safetensors" --out "$OUT/bench-cuda.md"
