#!/usr/bin/env bash
# Device side of the Llama-3.1-8B-shaped decode benchmark (scripts/gpu/device-run.sh calls it with LLAMA=1):
# random bf16 weights made on the GPU (16 GB), then the CUDA runner's prefill/decode timings.
set -uo pipefail
export PYTHONUNBUFFERED=1
dev=${DEVICE_STAGE:-.device/cuda}
model=/tmp/llama3.1-8b-random
df -h /tmp | tail -1
python3 $dev/bench/make_random_model.py --shape llama3.1-8b --out "$model" 2>&1 | grep -v Warning
dotnet $dev/bench/app/DynamoOrleans.Engine.Bench.dll cuda-runner --model "$model" --prefill 512 --decode 1,64 \
  --context 512 --steps 32 --out "$OUT/bench-llama8b.md"
