#!/usr/bin/env python3
"""The NeuralLayers inference benchmark in PyTorch, with nlbench's timing protocol.

Writes results.json in nlbench's schema (backend `pytorch-cpu` or `pytorch-cuda`), so
`nlbench-native compare` puts burn and PyTorch side by side on one device:

    python3 baselines/pytorch/neurallayers_bench.py --device cuda --out pytorch_results
    nlbench-native compare benchmark_results/results.json pytorch_results/results.json

Protocol, as in nlbench: weights and inputs from a fixed seed; warm-up until at least
--warmup-ms has passed and the last 5 runs vary by under 10 % (at least 3 runs, at most 5x the
warm-up time); each timed iteration ends when one element of the output has been read back to
the host; the clock is time.perf_counter(). Quantiles are Hyndman-Fan type 8, like nlbench's.
"""

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time

SCHEMA_VERSION = 2
SIZES = {"small": 256, "medium": 512, "large": 1024, "xl": 2048}
MIN_WARMUP_RUNS = 3
STABLE_WINDOW = 5
STABLE_CV = 0.10
WARMUP_LIMIT_FACTOR = 5.0
COMPLETION = (
    "each timed iteration ends when one element of the output has been read back to the "
    "host, which waits for all device work queued before it"
)


def quantile(sorted_values, tau):
    """Hyndman and Fan's type 8, as statrs computes it."""
    n = len(sorted_values)
    h = (n + 1.0 / 3.0) * tau + 1.0 / 3.0
    hf = int(h)
    if hf <= 0 or tau == 0.0:
        return sorted_values[0]
    if hf >= n or tau == 1.0:
        return sorted_values[-1]
    a, b = sorted_values[hf - 1], sorted_values[hf]
    return a + (h - hf) * (b - a)


def summary(samples):
    values = sorted(samples)
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    fence = 1.5 * (q3 - q1)
    return {
        "count": n,
        "mean": mean,
        "std_dev": std,
        "median": (values[(n - 1) // 2] + values[n // 2]) / 2.0,
        "p90": quantile(values, 0.90),
        "p99": quantile(values, 0.99),
        "min": values[0],
        "max": values[-1],
        "cv": std / mean if mean else 0.0,
        "outliers": sum(1 for v in values if v < q1 - fence or v > q3 + fence),
    }


def scaled(s, factor):
    out = dict(s)
    for key in ("mean", "std_dev", "median", "p90", "p99", "min", "max"):
        out[key] = s[key] * factor
    return out


def widths(model):
    return [model["input_dim"]] + [model["hidden_dim"]] * (model["layers"] - 1) + [model["input_dim"]]


def parameter_count(model):
    w = widths(model)
    return sum(a * b + b for a, b in zip(w, w[1:]))


def flops_per_sample(model):
    w = widths(model)
    return sum(2 * a * b + b for a, b in zip(w, w[1:])) + sum(w[1:-1])


def activation_elements(model):
    w = widths(model)
    return sum(w[1:]) + sum(w[1:-1])


def build(torch, model, dtype, device, seed):
    torch.manual_seed(seed)
    w = widths(model)
    layers = []
    for i, (a, b) in enumerate(zip(w, w[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i < len(w) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers).to(device=device, dtype=dtype).eval()


def measure(torch, args, model, precision, batch, device):
    dtype = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}[precision]
    net = build(torch, model, dtype, device, args.seed)
    x = torch.rand(batch, model["input_dim"], device=device, dtype=dtype)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)

    def once():
        start = time.perf_counter()
        out = net(x)
        out[0, 0].item()
        return (time.perf_counter() - start) * 1000.0

    with torch.inference_mode():
        start = time.perf_counter()
        warm = []
        while True:
            warm.append(once())
            elapsed = (time.perf_counter() - start) * 1000.0
            if len(warm) < MIN_WARMUP_RUNS or elapsed < args.warmup_ms:
                continue
            window = warm[-STABLE_WINDOW:]
            if summary(window)["cv"] < STABLE_CV or elapsed >= args.warmup_ms * WARMUP_LIMIT_FACTOR:
                break
        raw = [once() for _ in range(args.iterations)]

    batch_s = summary(raw)
    throughput = batch / (batch_s["median"] / 1000.0)
    elem = 4 if precision == "f32" else 2
    params = parameter_count(model) * elem
    memory = {
        "allocator": None,
        "allocator_unavailable": "PyTorch's CPU allocator has no report",
        "analytical": {
            "parameter_bytes": params,
            "input_bytes": batch * model["input_dim"] * elem,
            "activation_bytes": activation_elements(model) * batch * elem,
        },
    }
    if cuda:
        memory["allocator"] = {
            "baseline_in_use": 0,
            "peak_in_use": int(torch.cuda.max_memory_allocated(device)),
            "peak_reserved": int(torch.cuda.max_memory_reserved(device)),
        }
        memory["allocator_unavailable"] = None
    return {
        "status": "measured",
        "warmup_runs": len(warm),
        "batch_latency_ms": batch_s,
        "sample_latency_ms": scaled(batch_s, 1.0 / batch),
        "throughput": throughput,
        "gflops": flops_per_sample(model) * throughput / 1e9,
        "memory": memory,
        "raw_batch_ms": raw,
    }


def device_info(torch, device):
    if device.type == "cuda":
        props = torch.cuda.get_device_properties(device)
        return {
            "backend": "pytorch-cuda",
            "api": f"CUDA (PyTorch {torch.__version__})",
            "name": props.name,
            "vendor_id": 0x10DE,
            "vendor": "NVIDIA",
            "device_id": None,
            "device_type": "discrete_gpu",
            "driver": f"CUDA runtime {torch.version.cuda}",
            "driver_info": f"compute capability {props.major}.{props.minor}",
            "software": False,
            "features": [],
        }
    return {
        "backend": "pytorch-cpu",
        "api": f"PyTorch {torch.__version__} (CPU)",
        "name": cpu_name(),
        "vendor_id": None,
        "vendor": platform.machine(),
        "device_id": None,
        "device_type": "cpu",
        "driver": "",
        "driver_info": "",
        "software": True,
        "features": [],
    }


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--batch-sizes", default="1,16,64,128,256")
    parser.add_argument("--sizes", default="small,medium,large")
    parser.add_argument("--input-dim", type=int, default=1024)
    parser.add_argument("--precision", default="f32,f16")
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--warmup-ms", type=float, default=500.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="small and medium, batch sizes 1,16,64, 10 iterations")
    parser.add_argument("--out", default="pytorch_results")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.batch_sizes, args.iterations, args.warmup_ms = "small,medium", "1,16,64", 10, 100.0

    try:
        import torch
    except ImportError:
        sys.exit("error: PyTorch is not installed (pip install torch)")
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("error: PyTorch finds no CUDA device")
    try:
        batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
        precisions = [p.strip().lower() for p in args.precision.split(",")]
        models = [
            {"name": s, "input_dim": args.input_dim, "hidden_dim": SIZES[s], "layers": 2}
            for s in (s.strip() for s in args.sizes.split(","))
        ]
    except (ValueError, KeyError) as err:
        parser.error(f"bad value: {err}")
    if any(p not in ("f32", "f16", "bf16") for p in precisions) or any(b <= 0 for b in batch_sizes):
        parser.error("precisions are f32, f16, bf16; batch sizes are positive")

    device = torch.device(args.device)
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    start = time.perf_counter()
    records = []
    for model in models:
        for precision in precisions:
            for batch in batch_sizes:
                record = {"model": model["name"], "precision": precision, "batch_size": batch}
                try:
                    record.update(measure(torch, args, model, precision, batch, device))
                except Exception as err:  # one failing configuration must not stop the run
                    record.update({"status": "failed", "reason": str(err).splitlines()[0] if str(err) else type(err).__name__})
                records.append(record)
                print(f"{model['name']} {precision} batch {batch}: {record['status']}", file=sys.stderr)

    results = {
        "schema_version": SCHEMA_VERSION,
        "tool": {
            "front_end": "pytorch-baseline",
            "version": torch.__version__,
            "burn_version": "none (PyTorch baseline)",
            "git_commit": None,
        },
        "created": created,
        "machine": {
            "os": f"{platform.system()} {platform.release()}",
            "cpu": cpu_name(),
            "cpu_cores": os.cpu_count(),
            "browser": None,
        },
        "device": device_info(torch, device),
        "timing": {"clock": "time.perf_counter() (host monotonic clock)", "completion": COMPLETION},
        "config": {
            "models": models,
            "batch_sizes": batch_sizes,
            "precisions": precisions,
            "iterations": args.iterations,
            "warmup_ms": args.warmup_ms,
            "seed": args.seed,
        },
        "inference": records,
        "memory": [],
        "run_seconds": time.perf_counter() - start,
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
