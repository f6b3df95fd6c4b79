#!/usr/bin/env bash
# The ready GPU check: on a Linux machine with an NVIDIA or AMD GPU, in one folder and at most
# about 8 minutes, the default workloads at their realistic presets (bert-base, gpt2 prefill
# and decode, resnet50) and the MLP's models, FP32 and FP16, on CUDA (and its pre-flight
# against the GPU's free memory) where an NVIDIA driver is present, on ROCm where the HIP
# runtime is, on Vulkan on the same GPU (burn's kernels through SPIR-V, cooperative matrices
# where the driver has them, with the WGSL reference and the device's ceilings), the same plan
# in the PyTorch CUDA baseline where PyTorch is installed, and a comparison of them all. Every
# stage measures the matrix-unit ceiling where cubecl exposes matrix units; the check fails
# where Vulkan did not compile to SPIR-V or a GPU with matrix units has no matrix ceiling.
#
#   scripts/gpu-check.sh [OUT]          # OUT defaults to gpu-check/
#
# The plan takes a batch size for latency and one for throughput (GPU_CHECK_PLAN replaces its
# flags; GPU_CHECK_PLAN="" takes the default plan's five batch sizes). Each stage has a share
# of the time; one that runs past it is stopped as Ctrl-C stops a run (after the configuration
# in progress, or at once near the end of its share), its finished rows written and marked
# partial, and the check goes on. Every stage's time is in OUT/timings.txt.
#
# It builds nlbench-native with the CUDA and ROCm backends unless NLBENCH_BIN points at such a
# build (built elsewhere and copied here, say). Without an NVIDIA driver or the HIP runtime it
# stops at once and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-gpu-check}"
read -r -a plan <<<"${GPU_CHECK_PLAN---batch-sizes 1,64}"

if [[ "$(uname -s)" != "Linux" ]]; then
  echo "gpu-check: needs Linux with an NVIDIA or AMD GPU; this is $(uname -s)" >&2
  exit 1
fi
cuda=false
rocm=false
if { ldconfig -p 2>/dev/null | grep -q 'libcuda\.so'; } || command -v nvidia-smi >/dev/null 2>&1; then
  cuda=true
fi
if { ldconfig -p 2>/dev/null | grep -q 'libamdhip64\.so'; } || compgen -G "/opt/rocm*/lib/libamdhip64.so*" >/dev/null; then
  rocm=true
fi
if ! $cuda && ! $rocm; then
  echo "gpu-check: no NVIDIA driver (libcuda.so, nvidia-smi) and no HIP runtime (libamdhip64.so) found: this check needs a Linux machine with an NVIDIA or AMD GPU and its driver" >&2
  exit 1
fi
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
fi
# The HIP runtime outside the loader's search path (ROCm's default prefix).
if $rocm && ! ldconfig -p 2>/dev/null | grep -q 'libamdhip64\.so'; then
  rocm_lib=$(compgen -G "/opt/rocm*/lib/libamdhip64.so*" | head -n 1)
  export LD_LIBRARY_PATH="$(dirname "$rocm_lib")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# burn's CUDA backend compiles its kernels with NVRTC, which it loads when it runs: where the
# loader does not know it, the CUDA toolkit's folder (or the one PyTorch's wheels bring) is
# added.
nvrtc_loadable() {
  ldconfig -p 2>/dev/null | grep -q 'libnvrtc\.so' && return 0
  local dir dirs
  IFS=: read -r -a dirs <<<"${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}"; do
    compgen -G "$dir/libnvrtc.so*" >/dev/null && return 0
  done
  return 1
}
if $cuda && ! nvrtc_loadable; then
  wheels=$(python3 -c 'import site; print(" ".join(site.getsitepackages()))' 2>/dev/null || true)
  nvrtc=$(for dir in /usr/local/cuda*/lib64 /usr/local/cuda*/targets/*/lib /usr/lib/x86_64-linux-gnu; do
    compgen -G "$dir/libnvrtc.so*" || true
  done | head -n 1)
  if [[ -z "$nvrtc" && -n "$wheels" ]]; then
    nvrtc=$(find $wheels -path '*nvidia*' -name 'libnvrtc.so*' 2>/dev/null | head -n 1 || true)
  fi
  if [[ -z "$nvrtc" ]]; then
    echo "gpu-check: NVRTC (libnvrtc.so), which burn's CUDA backend compiles its kernels with, is not installed: install the CUDA toolkit's NVRTC" >&2
    exit 1
  fi
  export LD_LIBRARY_PATH="$(dirname "$nvrtc")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "gpu-check: NVRTC from $(dirname "$nvrtc")"
fi
# Containers often mount the driver's Vulkan manifest outside the loader's search path.
if [[ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]] &&
  ! ls /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json >/dev/null 2>&1 &&
  [[ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]]; then
  export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
fi

bin="${NLBENCH_BIN:-}"
if [[ -z "$bin" ]]; then
  echo "== building nlbench-native with the CUDA and ROCm backends"
  cargo build --release -p nlbench-native --features cuda,rocm
  bin="${CARGO_TARGET_DIR:-target}/release/nlbench-native"
fi
# A stage's folder from an earlier check must not stand in for one that wrote nothing now.
rm -rf "$out"/{cuda,cuda-preflight,rocm,vulkan,pytorch,comparison}
mkdir -p "$out"
: >"$out/timings.txt"
checked=$SECONDS

# Runs a stage within LIMIT seconds and records its time: at three quarters of it SIGTERM (a
# run then ends after the configuration in progress and writes what finished), 5 s before
# its end a second one (at once).
stage() {
  local name=$1 limit=$2 started=$SECONDS status=0
  shift 2
  echo "== $name (at most $limit s)"
  "$@" &
  local pid=$!
  (sleep $((limit * 3 / 4)) && kill -TERM "$pid" && sleep $((limit / 4 - 5)) && kill -TERM "$pid") \
    </dev/null >/dev/null 2>&1 &
  local watchdog=$!
  wait "$pid" || status=$?
  kill "$watchdog" 2>/dev/null || true
  wait "$watchdog" 2>/dev/null || true
  local took=$((SECONDS - started))
  local ending="finished"
  ((status == 0)) || ending="exit status $status"
  ((took < limit * 3 / 4)) || ending="$ending, stopped at its limit: partial"
  echo "$name: $took s ($ending)" | tee -a "$out/timings.txt"
}

# What a stage's results say about the kernels' compiler and the matrix-unit ceiling, in one
# line: "compiler spirv; matrix units 16x16x16 f16·f16→f32, ...; matrix ceiling 123456 GFLOP/s".
kernels_line() {
  python3 - "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
k = r["device"].get("kernels") or {}
m = (r.get("ceilings") or {}).get("matrix_f16_gflops") or {}
ceiling = f'{m["value"]:.0f} GFLOP/s' if "value" in m else f'n/a ({m.get("reason", "not measured")})'
print(f'compiler {k.get("compiler", "?")}; matrix units {", ".join(k.get("matrix_units", [])) or "none"}; matrix ceiling {ceiling}')
PY
}
failed=()
# A GPU whose kernels can use matrix units must have a measured matrix-unit ceiling.
check_kernels() {
  local name=$1 file=$2 compiler=$3 line
  [[ -f "$file" ]] || return 0
  line=$(kernels_line "$file") || return 0
  echo "$name: $line" | tee -a "$out/timings.txt"
  [[ "$line" == "compiler $compiler;"* ]] || failed+=("$name: burn's kernels did not go through $compiler ($line)")
  if [[ "$line" != *"matrix units none;"* && "$line" == *"matrix ceiling n/a"* ]]; then
    failed+=("$name: the GPU has matrix units but no matrix-unit ceiling ($line)")
  fi
}

# The stages' limits add up to 470 s on an NVIDIA machine, so the check takes at most about 8
# minutes.
stage "devices" 30 bash -c '"$0" devices | tee "$1/devices.txt"' "$bin" "$out"
results=()
if $cuda; then
  stage "CUDA" 140 "$bin" --backend cuda "${plan[@]}" --force --out "$out/cuda"
  stage "CUDA pre-flight" 30 "$bin" --backend cuda --sizes small --precision f32 \
    --batch-sizes 1,1048576 --input-dim 65536 --iterations 3 --warmup-ms 0 --force \
    --out "$out/cuda-preflight"
  # A configuration past the GPU's free memory is skipped, not run.
  if ! grep -q cuMemGetInfo "$out/cuda-preflight/results.json" 2>/dev/null; then
    failed+=("the 275 GB configuration was not skipped against the GPU's free memory")
  fi
  check_kernels "CUDA" "$out/cuda/results.json" cuda
  results+=("$out/cuda/results.json")
fi
if $rocm; then
  stage "ROCm" 140 "$bin" --backend rocm "${plan[@]}" --force --out "$out/rocm"
  check_kernels "ROCm" "$out/rocm/results.json" hip
  results+=("$out/rocm/results.json")
fi
if ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  # wgpu prefers the discrete GPU.
  stage "Vulkan" 140 "$bin" --backend vulkan "${plan[@]}" --force --out "$out/vulkan"
  check_kernels "Vulkan" "$out/vulkan/results.json" spirv
  results+=("$out/vulkan/results.json")
else
  echo "== Vulkan: no Vulkan loader (libvulkan.so.1) here, so Vulkan is left out" | tee -a "$out/timings.txt"
fi

if $cuda && python3 -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)" 2>/dev/null; then
  stage "PyTorch on CUDA" 100 python3 baselines/pytorch/neurallayers_bench.py --device cuda \
    "${plan[@]}" --out "$out/pytorch"
  results+=("$out/pytorch/results.json")
else
  echo "== PyTorch with CUDA is not installed here: its baseline is left out" | tee -a "$out/timings.txt"
fi

# A stage that wrote no results (its device failed to open, say) is left out of the comparison.
written=()
for file in "${results[@]}"; do
  [[ -f "$file" ]] && written+=("$file")
done
if ((${#written[@]} >= 2)); then
  stage "comparison" 30 "$bin" compare "${written[@]}" --out "$out/comparison"
else
  failed+=("fewer than two stages wrote results, so there is nothing to compare")
fi
echo "everything: $((SECONDS - checked)) s" | tee -a "$out/timings.txt"
echo "gpu-check: everything is in $out/"
for failure in "${failed[@]}"; do
  echo "gpu-check: $failure" >&2
done
((${#failed[@]} == 0))
