#!/usr/bin/env bash
# Device side of issue 5's benchmark list for one shape (scripts/gpu/device-run.sh calls it with TARGETS=SHAPE):
#   SHAPE=qwen3-0.6b   measured peaks, the random model + reference, transformers and the CUDA runner at prefill
#                      1k/8k and decode batch 1/16/64/256 (context 128), engine decode at those batches (prompt 128,
#                      output 256) and nano-vllm's workload (256 sequences, lengths 100-1024)
#   SHAPE=llama3.1-8b  the same figures for the 8B shape, plus offline 1k in / 2k out
# Every figure of one shape comes from this one call, so ratios compare runs on the same GPU.
# Writes $OUT/targets-SHAPE.md (everything) and leaves the model in /tmp.
# When device time is short: BASELINE=0 skips transformers (8B: the model is still made), COMPARE=0 the run of the
# paths the defaults replaced (COMPARE_NORMS_ONLY=1 keeps only the fused-norms comparison), FIXED=0 the engine's fixed-batch decode.
# COMPARE_PDL=0 skips the batch-1/2/4 run with --late-trigger and the batch-1 runs at context 300 with and without --combine-in-kernel.
# COMPARE_GEMV=0 skips the batch-1/2/4 run with --whole-gemv-rows (no ksplit in the GEMVs).
# STAGES=0 skips the stage profile (cuda-runner --stage-profile ${STAGE_BATCHES:-1,64}: each stage of a decode step timed in place, by leaving it out).
set -uo pipefail
export PYTHONUNBUFFERED=1
dev=${DEVICE_STAGE:-.device/cuda}
shape=${1:?usage: targets-run.sh qwen3-0.6b|llama3.1-8b}
bench="dotnet $dev/bench/app/DynamoOrleans.Engine.Bench.dll"
model=/tmp/$shape-random
report=$OUT/targets-$shape.md
sizes=(--prefill 1024,8192 --decode 1,16,64,256 --context 128)
{
  echo "# Issue 5 targets, $shape: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader)"
  echo '## measured peaks (cuda-peaks)'
  $bench cuda-peaks | tee /tmp/peaks.txt | grep -v '^#'
  bw=$(sed -n 's/^peaks: bandwidth_tbps=\([0-9.]*\) .*/\1/p' /tmp/peaks.txt)
  tf=$(sed -n 's/.* gemm_tflops=\([0-9.]*\)$/\1/p' /tmp/peaks.txt)
  [ "${BASELINE:-1}" = 1 ] && echo '## transformers (eager, bf16, sdpa) on the same random weights' || echo '## transformers: skipped (BASELINE=0); the random model is still made'
  if [ "$shape" = qwen3-0.6b ]; then
    python3 $dev/bench/transformers_baseline.py --make "$model" --prefill 1024,8192 --decode 1,16,64,256 --context 128 2>&1 | grep -v Warning
    reference=(--reference "$model/reference.safetensors")
  else
    python3 $dev/bench/make_random_model.py --shape "$shape" --out "$model" 2>&1 | grep -v Warning
    [ "${BASELINE:-1}" = 1 ] && python3 $dev/bench/transformers_baseline.py --load "$model" --no-reference --prefill 1024,8192 --decode 1,16,64,256 --context 128 2>&1 | grep -v Warning
    reference=()
  fi
  echo '## CUDA runner (roofline shares against the peaks above; then where a decode step goes, each stage timed in place)'
  # The stage profile rides on this run (same load, same graphs): STAGES=0 leaves it out.
  stages=(); [ "${STAGES:-1}" = 1 ] && stages=(--stage-profile "${STAGE_BATCHES:-1,64}")
  $bench cuda-runner --model "$model" "${reference[@]}" "${sizes[@]}" --steps 32 --bandwidth "$bw" --gemm-peak "$tf" "${stages[@]}" | grep -v '^# \(cuda-runner\|rerun\)'
  [ "${COMPARE:-1}" = 1 ] && [ "${COMPARE_NORMS_ONLY:-0}" = 0 ] && echo '## CUDA runner, the paths the defaults replaced: prefill attention on CUDA cores, decode GEMMs on cuBLASLt' &&
  $bench cuda-runner --model "$model" --prefill 1024 --decode 1,16 --context 128 --steps 8 --bandwidth "$bw" --gemm-peak "$tf" --cuda-core-prefill --cublas-decode | grep -v '^# \(cuda-runner\|rerun\)'
  [ "${COMPARE:-1}" = 1 ] && echo '## CUDA runner at 1, 2 and 4 sequences: the default (RMSNorms in the GEMVs, RoPE in decode attention), then both kernels apart' &&
  $bench cuda-runner --model "$model" --prefill 1024 --decode 1,2,4 --context 128 --steps 32 --bandwidth "$bw" --gemm-peak "$tf" | grep -v '^# \(cuda-runner\|rerun\)' &&
  $bench cuda-runner --model "$model" --prefill 1024 --decode 1,2,4 --context 128 --steps 32 --bandwidth "$bw" --gemm-peak "$tf" --unfused-norms --rope-apart | grep -v '^# \(cuda-runner\|rerun\)'
  [ "${COMPARE_PDL:-1}" = 1 ] && echo '## CUDA runner at 1, 2 and 4 sequences: dependents launched only after the wait (--late-trigger), then batch 1 at context 300 (split), attention_combine against --combine-in-kernel' &&
  $bench cuda-runner --model "$model" --prefill 1024 --decode 1,2,4 --context 128 --steps 32 --bandwidth "$bw" --gemm-peak "$tf" --late-trigger | grep -v '^# \(cuda-runner\|rerun\)' &&
  $bench cuda-runner --model "$model" --prefill 1024 --decode 1 --context 300 --steps 32 --bandwidth "$bw" --gemm-peak "$tf" | grep -v '^# \(cuda-runner\|rerun\)' &&
  $bench cuda-runner --model "$model" --prefill 1024 --decode 1 --context 300 --steps 32 --bandwidth "$bw" --gemm-peak "$tf" --combine-in-kernel | grep -v '^# \(cuda-runner\|rerun\)'
  [ "${COMPARE_GEMV:-1}" = 1 ] && echo '## CUDA runner at 1, 2 and 4 sequences: each GEMV row group on one warp (--whole-gemv-rows), the way before ksplit' &&
  $bench cuda-runner --model "$model" --prefill 1024 --decode 1,2,4 --context 128 --steps 32 --bandwidth "$bw" --gemm-peak "$tf" --whole-gemv-rows | grep -v '^# \(cuda-runner\|rerun\)'
  [ "${FIXED:-1}" = 1 ] && echo '## engine decode: B requests, prompt 128, output 256' &&
  $bench engine-workload --device cuda --model "$model" --workload fixed --batch 1,16,64,256 --input 128 --output 256 | grep -v '^# \(engine-workload:\|rerun\|hardware\)'
  if [ "$shape" = qwen3-0.6b ]; then
    echo "## nano-vllm's workload (target: 15,000 output tok/s on an H100)"
    $bench engine-workload --device cuda --model "$model" --workload nano-vllm --num-seqs 256 | grep -v '^# \(engine-workload:\|rerun\|hardware\)'
    [ "${COMPARE:-1}" = 1 ] && echo "## nano-vllm's workload without the mixed-step split, the norms in the GEMVs and RoPE in attention (to compare)" &&
    $bench engine-workload --device cuda --model "$model" --workload nano-vllm --num-seqs 256 --whole-mixed-attention --unfused-norms --rope-apart | grep -v '^# \(engine-workload:\|rerun\|hardware\)'
  else
    echo "## offline 1k in / 2k out (target: 5,409 output tok/s on an H100, vLLM's figure)"
    $bench engine-workload --device cuda --model "$model" --workload offline --num-seqs "${OFFLINE_SEQS:-256}" | grep -v '^# \(engine-workload:\|rerun\|hardware\)'
    [ "${COMPARE:-1}" = 1 ] && echo '## offline 1k/2k without the mixed-step split, the norms in the GEMVs and RoPE in attention (to compare)' &&
    $bench engine-workload --device cuda --model "$model" --workload offline --num-seqs "${OFFLINE_SEQS:-256}" --whole-mixed-attention --unfused-norms --rope-apart | grep -v '^# \(engine-workload:\|rerun\|hardware\)'
  fi
} 2>&1 | tee "$report"
