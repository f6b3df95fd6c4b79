#!/usr/bin/env bash
# The ready GPU check: on a Linux machine with an NVIDIA GPU, in one folder and a few
# minutes, the default suite on CUDA (and its pre-flight against the GPU's free memory) and on
# Vulkan on the same GPU, the PyTorch CUDA baseline
# where PyTorch is installed, and a comparison of them all. On a hardware GPU the default plan
# holds the realistic workloads beside the MLP: bert-base, gpt2 (prefill and decode) and
# resnet50, and so does the baseline on CUDA.
#
#   scripts/gpu-check.sh [OUT]          # OUT defaults to gpu-check/
#
# It builds nlbench-native with the CUDA backend unless NLBENCH_BIN points at such a build
# (built elsewhere and copied here, say). Without an NVIDIA driver it stops at once and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-gpu-check}"

if [[ "$(uname -s)" != "Linux" ]]; then
  echo "gpu-check: needs Linux with an NVIDIA GPU; this is $(uname -s)" >&2
  exit 1
fi
if ! { ldconfig -p 2>/dev/null | grep -q 'libcuda\.so'; } && ! command -v nvidia-smi >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA driver found (no libcuda.so, no nvidia-smi): this check needs a Linux machine with an NVIDIA GPU and its driver" >&2
  exit 1
fi
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
fi

bin="${NLBENCH_BIN:-}"
if [[ -z "$bin" ]]; then
  echo "== building nlbench-native with the CUDA backend"
  cargo build --release -p nlbench-native --features cuda
  bin="${CARGO_TARGET_DIR:-target}/release/nlbench-native"
fi
mkdir -p "$out"
"$bin" devices | tee "$out/devices.txt"

echo "== CUDA"
"$bin" --backend cuda --force --out "$out/cuda"
echo "== CUDA pre-flight: a configuration past the GPU's free memory is skipped, not run"
"$bin" --backend cuda --sizes small --precision f32 --batch-sizes 1,1048576 --input-dim 65536 \
  --iterations 3 --warmup-ms 0 --force --out "$out/cuda-preflight"
if ! grep -q cuMemGetInfo "$out/cuda-preflight/results.json"; then
  echo "gpu-check: the 275 GB configuration was not skipped against the GPU's free memory" >&2
  exit 1
fi
echo "== Vulkan on the same GPU (wgpu prefers the discrete GPU)"
"$bin" --backend vulkan --force --out "$out/vulkan"

results=("$out/cuda/results.json" "$out/vulkan/results.json")
if python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  echo "== PyTorch on CUDA"
  python3 baselines/pytorch/neurallayers_bench.py --device cuda --out "$out/pytorch"
  results+=("$out/pytorch/results.json")
else
  echo "== PyTorch with CUDA is not installed here: its baseline is left out"
fi

echo "== comparison"
"$bin" compare "${results[@]}" --out "$out/comparison"
echo "gpu-check: everything is in $out/"
