#!/usr/bin/env bash
# Device side of the serving benchmark (scripts/gpu/device-run.sh calls it with SERVE=1): the random-weight
# Qwen3-0.6B-shaped model through LlmEngine (cuda-engine), then `dynamo serve --device cuda` end to end:
# two curl chat completions (plain and streaming) and concurrent streaming loads (bench/gpu/serve_load.py).
# Writes $OUT/bench-cuda-engine.md, $OUT/serve.md and $OUT/serve.log.
set -uo pipefail
export PYTHONUNBUFFERED=1
dev=${DEVICE_STAGE:-.device/cuda}
model=/tmp/qwen3-0.6b-random
[ -f "$model/config.json" ] || python3 $dev/bench/make_random_model.py --shape qwen3-0.6b --out "$model" 2>&1 | grep -v Warning
# The random model has no tokenizer: Qwen3's own (carried) serves it, its 151,669 ids inside the 151,936 rows.
tar -C "$model" -xJf $dev/serve/qwen3-tokenizer.tar.xz

timeout 80 dotnet $dev/bench/app/DynamoOrleans.Engine.Bench.dll cuda-engine --model "$model" --batch 1,64 \
  --prompt 128 --tokens 256 --out "$OUT/bench-cuda-engine.md"

dotnet $dev/cli/dynamo.dll serve --device cuda --model "$model" --served-model-name qwen3 --port 8000 \
  --max-num-seqs 128 > "$OUT/serve.log" 2>&1 &
server=$!
for _ in $(seq 120); do grep -q "^Serving" "$OUT/serve.log" && break; kill -0 $server 2>/dev/null || break; sleep 0.5; done
{
  echo "# dynamo serve --device cuda: $(head -1 "$OUT/serve.log")"
  echo '## curl, not streamed'
  echo '```'
  curl -s -m 30 http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"model":"qwen3","messages":[{"role":"user","content":"Say hello."}],"max_tokens":16,"temperature":0}'
  echo; echo '```'; echo '## curl, streamed (first 3 and last 2 lines)'; echo '```'
  curl -sN -m 30 http://127.0.0.1:8000/v1/chat/completions -H 'Content-Type: application/json' \
    -d '{"model":"qwen3","messages":[{"role":"user","content":"Say hello."}],"max_tokens":8,"temperature":0.7,"stream":true,"stream_options":{"include_usage":true}}' \
    | grep -v '^$' > /tmp/stream.txt
  head -3 /tmp/stream.txt; echo ...; tail -2 /tmp/stream.txt
  echo '```'
  echo '## concurrent streaming chat completions (bench/gpu/serve_load.py), ignore_eos'
  echo '| concurrency | requests | max_tokens | temperature | ok | wall s | output tok/s | median TTFT ms | median per-request tok/s |'
  echo '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'
  timeout 30 python3 $dev/bench/serve_load.py --model qwen3 --concurrency 1 --requests 2 --max-tokens 256
  timeout 40 python3 $dev/bench/serve_load.py --model qwen3 --concurrency 64 --requests 128 --max-tokens 256
  timeout 40 python3 $dev/bench/serve_load.py --model qwen3 --concurrency 128 --requests 256 --max-tokens 256
  timeout 40 python3 $dev/bench/serve_load.py --model qwen3 --concurrency 64 --requests 64 --max-tokens 256 --temperature 0.8
} > "$OUT/serve.md" 2>&1
kill $server; wait $server
cat "$OUT/serve.md" "$OUT/bench-cuda-engine.md"
