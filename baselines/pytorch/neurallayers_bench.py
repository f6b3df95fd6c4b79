#!/usr/bin/env python3
"""nlbench's inference benchmark in PyTorch, with nlbench's protocol and statistics: the
NeuralLayers MLP and the workloads beside it (a transformer encoder, a decoder language model's
prefill and decode, a ResNet-style CNN, a vision transformer; `workloads.py`), at nlbench's
presets.

Writes results.json in nlbench's schema (version 8, path `pytorch`, backend `pytorch-cpu` or
`pytorch-cuda`), so `nlbench-native compare` lines burn and PyTorch up on one device:

    python3 baselines/pytorch/neurallayers_bench.py --device cuda --out pytorch_results
    nlbench-native compare benchmark_results/results.json pytorch_results/results.json

The headline is nlbench's: PyTorch eager (what users run) timed end to end on the host's
monotonic clock (time.perf_counter), each timed iteration ending when one element of the
output has been read back to the host with .item(), which waits for the device. On CUDA, device
time is a second figure, timed by CUDA events in runs of its own. The protocol is nlbench's:
weights and inputs from a fixed seed; 3 untimed runs; warm-up until at least --warmup-ms has
passed and the last 5 runs vary by under 10 % (at most 5x the warm-up time); then at least
--iterations timed runs, more until the median's 95 % interval (order statistics, so six
samples or more) is within --target-ci or --max-time-ms of sampling has passed; the plan runs
--repeat times in interleaved rounds, each row's median the median of its rounds' and its
interval the run-to-run one the rounds' spread gives, pooled over the plan (a CUDA row's device
time is its first round's). Summaries,
intervals, outliers (hyperfine's rule: over 14.826 MADs from the median, the clock's resolution
standing in for a MAD of 0) and verdicts are computed exactly as nlbench computes them.
"""

import argparse
import datetime
import json
import math
import os
import platform
import signal
import sys
import time

import workloads as wl

SCHEMA_VERSION = 12
SIZES = wl.SIZES
UNTIMED_RUNS = 3
STABLE_WINDOW = 5
STABLE_CV = 0.10
WARMUP_LIMIT_FACTOR = 5.0
MAX_ITERATIONS = 100_000
CONFIDENCE = 0.95
OUTLIER_MADS = 14.826
HIGH_CV = 0.05
SLOW_FIRST_RATIO = 2.0
RESOLUTION_TICKS = 10.0
IDENTICAL_SAMPLES = 5
HOST_COMPLETION = (
    "each timed iteration starts before the work is launched and ends when one element of the "
    "output has been read back to the host, which waits for all device work queued before it"
)
DEVICE_COMPLETION = (
    "each timed iteration is the device time between a timestamp written before the work's "
    "first kernel and one written after its last (gaps between kernels are included; "
    "launching, and the read-back after, are not)"
)
HOST_CLOCK = "time.perf_counter() (host monotonic clock)"
DEVICE_CLOCK = "CUDA events (torch.cuda.Event, PyTorch eager)"
# cudaEventElapsedTime resolves about half a microsecond.
CUDA_EVENT_RESOLUTION_MS = 5e-4
INTERRUPTED = "interrupted (Ctrl-C or SIGTERM) before every configuration ran"


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


def median_of(values):
    values = sorted(values)
    n = len(values)
    return (values[(n - 1) // 2] + values[n // 2]) / 2.0


def order_statistic_rank(n):
    """The largest 0-based rank j (at most (n-1)//2) whose Binomial(n, 1/2) tail P(B <= j)
    stays within 2.5 %, or 0 (the whole range) where none does, and the coverage 1 - 2 P(B <= j)
    the pair of sorted samples j and n-1-j reaches."""
    tail = (1.0 - CONFIDENCE) / 2.0
    log_half_n = n * math.log(0.5)
    cdf = 0.0
    best, best_cdf = 0, math.exp(log_half_n)
    for j in range((n - 1) // 2 + 1):
        log_pmf = math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1) + log_half_n
        cdf += math.exp(log_pmf)
        if cdf > tail:
            break
        best, best_cdf = j, cdf
    return best, 1.0 - 2.0 * best_cdf


def median_interval(samples):
    values = sorted(samples)
    n = len(values)
    lower, coverage = order_statistic_rank(n)
    return {"low": values[lower], "high": values[n - 1 - lower], "coverage": coverage}


def quantile_interval(values, q):
    """nlbench's interval of the q quantile of sorted `values` by order statistics: 1-based
    ranks l < u hold it with P(l <= B <= u - 1), B ~ Binomial(n, q); equal tails of 2.5 % where
    the count allows, else the extreme sample at the end that cannot meet its tail; None where
    no pair reaches 95 %."""
    n = len(values)
    if n == 0:
        return None
    total, cdf = 0.0, []
    for k in range(n + 1):
        log_pmf = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                   + k * math.log(q) + (n - k) * math.log1p(-q))
        total += math.exp(log_pmf)
        cdf.append(min(total, 1.0))

    def below(rank):  # P(B < rank)
        return cdf[rank - 1]

    def largest_low(bound):
        fits = [r for r in range(1, n + 1) if below(r) <= bound]
        return max(fits) if fits else None

    def smallest_high(bound):
        fits = [r for r in range(1, n + 1) if below(r) >= bound]
        return min(fits) if fits else None

    tail = (1.0 - CONFIDENCE) / 2.0
    low, high = largest_low(tail), smallest_high(1.0 - tail)
    if low is not None and high is None:
        low, high = largest_low(below(n) - CONFIDENCE), n
    elif low is None and high is not None:
        low, high = 1, smallest_high(below(1) + CONFIDENCE)
    if low is None or high is None:
        return None
    return {"low": values[low - 1], "high": values[high - 1], "coverage": below(high) - below(low)}


def outlier_count(samples, median, mad, floor):
    if mad > 0:
        scale = mad
    elif floor > 0:
        scale = floor
    else:
        scale = sys.float_info.epsilon * max(abs(median), sys.float_info.min)
    return sum(1 for s in samples if abs(s - median) / scale > OUTLIER_MADS)


def summary(samples, resolution_ms=0.0):
    values = sorted(samples)
    n = len(values)
    mean = sum(values) / n
    std = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else 0.0
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    fence = 1.5 * (q3 - q1)
    median = median_of(values)
    mad = median_of([abs(v - median) for v in values])
    return {
        "count": n,
        "mean": mean,
        "std_dev": std,
        "median": median,
        "p90": quantile(values, 0.90),
        "p99": quantile(values, 0.99),
        "min": values[0],
        "max": values[-1],
        "cv": std / mean if mean else 0.0,
        "outliers": sum(1 for v in values if v < q1 - fence or v > q3 + fence),
        "median_ci": median_interval(values),
        "mad": mad,
        "mad_outliers": outlier_count(values, median, mad, resolution_ms),
        "p90_ci": quantile_interval(values, 0.90),
        "p99_ci": quantile_interval(values, 0.99),
    }


def scaled(s, factor):
    out = dict(s)
    for key in ("mean", "std_dev", "median", "p90", "p99", "min", "max", "mad"):
        out[key] = s[key] * factor
    ci = s["median_ci"]
    out["median_ci"] = {"low": ci["low"] * factor, "high": ci["high"] * factor, "coverage": ci["coverage"]}
    return out


def half_width_share(ci, median):
    if median == 0:
        return math.inf
    return abs(max(median - ci["low"], ci["high"] - median)) / abs(median)


def verdicts(samples, s, target_ci, resolution_ms):
    """What the samples say about their own quality, as nlbench's analysis::verdicts."""
    found = []
    ci = s["median_ci"]
    if ci["coverage"] < CONFIDENCE:
        found.append({"verdict": "low_coverage", "coverage": ci["coverage"], "count": len(samples), "rounds": False})
    else:
        half_width = half_width_share(ci, s["median"])
        if target_ci is not None and half_width > target_ci:
            found.append({"verdict": "noisy", "half_width": half_width, "target": target_ci})
    if s["mad_outliers"] > 0:
        found.append({"verdict": "outliers", "count": s["mad_outliers"]})
    if len(samples) >= 3:
        rest = median_of(samples[1:])
        ratio = samples[0] / rest if rest else math.inf
        if ratio >= SLOW_FIRST_RATIO:
            found.append({"verdict": "slow_first_run", "ratio": ratio})
    if s["cv"] > HIGH_CV:
        found.append({"verdict": "high_variation", "cv": s["cv"]})
    if s["median"] < RESOLUTION_TICKS * resolution_ms:
        found.append({"verdict": "near_resolution", "median_ms": s["median"], "resolution_ms": resolution_ms})
    if len(samples) >= IDENTICAL_SAMPLES and all(v == samples[0] for v in samples):
        found.append({"verdict": "identical", "count": len(samples)})
    return found


def students_t_975(df):
    """Student's t 97.5 % quantile at `df` degrees of freedom, by the Cornish-Fisher expansion
    about the normal's (within 0.004 of the exact value at 3 degrees of freedom, 0.001 from 4 on)."""
    z = 1.959963984540054
    terms = [
        (z ** 3 + z) / 4,
        (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96,
        (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384,
        (79 * z ** 9 + 776 * z ** 7 + 1482 * z ** 5 - 1920 * z ** 3 - 945 * z) / 92160,
    ]
    return z + sum(term / df ** (i + 1) for i, term in enumerate(terms))


def run_to_run(rows):
    """nlbench's analysis::spread: the standard deviation of the log round medians about each
    row's mean, pooled over the rows of two rounds or more, and its degrees of freedom."""
    squares, df = 0.0, 0
    for medians in rows:
        if len(medians) < 2 or any(m <= 0 for m in medians):
            continue
        logs = [math.log(m) for m in medians]
        mean = sum(logs) / len(logs)
        squares += sum((x - mean) ** 2 for x in logs)
        df += len(logs) - 1
    return (math.sqrt(squares / df), df) if df else None


def log_half_width(spread, rounds):
    log_sd, df = spread
    share = 1.0 if rounds < 2 else 0.5 if rounds == 2 else math.pi / (2 * rounds)
    return students_t_975(df) * log_sd * math.sqrt(share)


def merge_rounds(rounds, target_ci):
    """One plan's records from its interleaved rounds (lists of records in the same order):
    each measured row's median that of its rounds' medians, its samples pooled, a failed
    round recorded, and every row of two rounds or more with the run-to-run interval."""
    merged = []
    for records in zip(*rounds):
        measured = [r for r in records if r.get("status") == "measured"]
        if len(records) == 1 or not measured:
            merged.append(records[0])
            continue
        medians = [r["batch_latency_ms"]["median"] for r in measured]
        raw = [ms for r in measured for ms in r["raw_batch_ms"]]
        first = measured[0]
        batch = first["batch_size"]
        s = summary(raw, host_resolution_ms())
        s["median"] = median_of(medians)
        throughput = batch / (s["median"] / 1000.0)
        row = dict(first)
        row.update({
            "warmup_runs": sum(r["warmup_runs"] for r in measured),
            "batch_latency_ms": s,
            "sample_latency_ms": scaled(s, 1.0 / batch),
            "throughput": throughput,
            "gflops": first["gflops"] / first["throughput"] * throughput,
            "raw_batch_ms": raw,
            "rounds": medians if len(medians) > 1 else [],
            "stopped": measured[-1]["stopped"],
        })
        failed = [{"round": i, "kind": r["kind"], "reason": r["reason"]}
                  for i, r in enumerate(records) if r.get("status") == "failed"]
        if failed:
            row["failed_rounds"] = failed
        merged.append(row)
    spread = run_to_run([r.get("rounds", []) for r in merged if r.get("status") == "measured"])
    for row in merged:
        rounds = row.get("rounds") or []
        if spread is None or len(rounds) < 2:
            continue
        half = log_half_width(spread, len(rounds))
        s = row["batch_latency_ms"]
        own = median_interval(row["raw_batch_ms"])
        s["median_ci"] = {"low": s["median"] * math.exp(-half), "high": s["median"] * math.exp(half), "coverage": CONFIDENCE}
        if own["coverage"] >= CONFIDENCE:
            # Never narrower than the pooled samples' own interval.
            s["median_ci"]["low"] = min(s["median_ci"]["low"], own["low"])
            s["median_ci"]["high"] = max(s["median_ci"]["high"], own["high"])
        row["sample_latency_ms"] = scaled(s, 1.0 / row["batch_size"])
        row["verdicts"] = verdicts(row["raw_batch_ms"], s, target_ci, host_resolution_ms())
        if math.log(max(rounds) / min(rounds)) > 2 * log_half_width(spread, 1):
            row["verdicts"].append({"verdict": "rounds_disagree", "spread": (max(rounds) - min(rounds)) / min(rounds)})
        if row.get("failed_rounds"):
            row["verdicts"].append({"verdict": "failed_rounds", "failed": len(row["failed_rounds"]), "rounds": len(rounds) + len(row["failed_rounds"])})
    return merged


def cv(values):
    n = len(values)
    mean = sum(values) / n
    if n < 2 or mean == 0:
        return 0.0
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) / mean


def measure(once, args):
    """nlbench's protocol around `once` (one timed run, in ms): untimed runs, warm-up until
    the runs agree, then sampling until the count, a true 95 % interval within the target, or
    the time cap. Returns the warm-up runs, the samples and why sampling stopped."""
    for _ in range(UNTIMED_RUNS):
        once()
    warmup_runs = UNTIMED_RUNS
    if args.warmup_ms > 0:
        start = time.perf_counter()
        times = []
        while True:
            times.append(once())
            elapsed = (time.perf_counter() - start) * 1000.0
            if elapsed < args.warmup_ms:
                continue
            window = times[-STABLE_WINDOW:]
            stable = len(window) >= 3 and cv(window) < STABLE_CV
            if stable or elapsed >= args.warmup_ms * WARMUP_LIMIT_FACTOR:
                break
        warmup_runs += len(times)
    adaptive = args.target_ci is not None
    max_samples = max(MAX_ITERATIONS, args.iterations) if adaptive else args.iterations
    cap = args.max_time_ms if adaptive else None
    samples = []
    sampling = time.perf_counter()
    while True:
        samples.append(once())
        if len(samples) < args.iterations:
            continue
        if len(samples) >= max_samples:
            return warmup_runs, samples, "max_samples" if adaptive else "count"
        check = len(samples) % max(len(samples) // 16, 1) == 0
        if adaptive and check:
            ci = median_interval(samples)
            if ci["coverage"] >= CONFIDENCE and half_width_share(ci, median_of(samples)) <= args.target_ci:
                return warmup_runs, samples, "converged"
        if cap is not None and (time.perf_counter() - sampling) * 1000.0 >= cap:
            return warmup_runs, samples, "time_cap"
        if cap is None and not adaptive:
            return warmup_runs, samples, "count"


def timed(samples, warmup_runs, stopped, batch, flops, target_ci, resolution_ms):
    s = summary(samples, resolution_ms)
    throughput = batch / (s["median"] / 1000.0)
    return {
        "warmup_runs": warmup_runs,
        "batch_latency_ms": s,
        "sample_latency_ms": scaled(s, 1.0 / batch),
        "throughput": throughput,
        "gflops": flops * throughput / 1e9,
        "raw_batch_ms": samples,
        "verdicts": verdicts(samples, s, target_ci, resolution_ms),
        "rounds": [],
        "stopped": stopped,
    }


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


def host_resolution_ms():
    return time.get_clock_info("perf_counter").resolution * 1000.0


DTYPES = {"f32": "float32", "f16": "float16", "bf16": "bfloat16"}


def allocator_baseline(torch, device):
    """Starts the CUDA allocator's peak afresh; its bytes in use now (None on the CPU)."""
    if device.type != "cuda":
        return None
    torch.cuda.synchronize(device)
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats(device)
    return torch.cuda.memory_allocated(device)


def memory_figures(torch, device, baseline, analytical):
    memory = {
        "allocator": None,
        "allocator_unavailable": "PyTorch's CPU allocator has no report",
        "analytical": analytical,
    }
    if device.type == "cuda":
        memory["allocator"] = {
            "baseline_in_use": int(baseline),
            "peak_in_use": int(torch.cuda.max_memory_allocated(device)),
            "peak_reserved": int(torch.cuda.max_memory_reserved(device)),
        }
        memory["allocator_unavailable"] = None
    return memory


def measure_configuration(torch, args, model, precision, batch, device):
    dtype = getattr(torch, DTYPES[precision])
    baseline = allocator_baseline(torch, device)
    net = build(torch, model, dtype, device, args.seed)
    x = torch.rand(batch, model["input_dim"], device=device, dtype=dtype)
    with torch.inference_mode():
        record = time_work(torch, args, lambda: net(x), batch, flops_per_sample(model), device)
    elem = 4 if precision == "f32" else 2
    record["memory"] = memory_figures(torch, device, baseline, {
        "parameter_bytes": parameter_count(model) * elem,
        "input_bytes": batch * model["input_dim"] * elem,
        "activation_bytes": activation_elements(model) * batch * elem,
    })
    record["kernels"] = []
    return record


def measure_workload(torch, args, w, phase, precision, batch, device):
    """One configuration of a workload beside the MLP: its check, then the protocol."""
    dtype = getattr(torch, DTYPES[precision])
    baseline = allocator_baseline(torch, device)
    figures = wl.figures(w, phase)
    with torch.inference_mode():
        net = wl.build(torch, w, dtype, device, args.seed)
        if phase == "generate":
            work, check = wl.generation(torch, net, w, batch, device)
        else:
            work, check = wl.prepared(torch, net, w, phase, batch, dtype, device)
        accuracy = None
        if check is not None:
            against, expected, got = check
            accuracy = held(expected, got, precision, against)
            if accuracy["max_abs_error"] > accuracy["tolerance"]:
                return {
                    "status": "failed",
                    "kind": "wrong_result",
                    "reason": f"the output differs from {against} by up to "
                    f"{accuracy['max_abs_error']:.3e} (tolerance {accuracy['tolerance']:.1e}); "
                    "no speed is reported for a wrong result",
                }
        if phase == "generate":
            record = time_generation(args, work, batch, figures["flops"])
        else:
            record = time_work(torch, args, work, batch, figures["flops"], device)
    elem = 4 if precision == "f32" else 2
    analytical = {
        "parameter_bytes": figures["parameters"] * elem,
        "input_bytes": batch * figures["input"] * elem,
        "activation_bytes": batch * figures["activation"] * elem,
    }
    if figures["cache"]:
        analytical["kv_cache_bytes"] = batch * figures["cache"] * elem
    record["memory"] = memory_figures(torch, device, baseline, analytical)
    record["kernels"] = []
    record["accuracy"] = accuracy
    return record


def held(expected, got, precision, against):
    """nlbench's check: the largest absolute error against a share of the largest expected
    magnitude (plus one), 5e-2 in FP16 and 1e-3 otherwise."""
    expected = expected.float().cpu().reshape(-1)
    got = got.float().cpu().reshape(-1)
    scale = float(expected.abs().max())
    error = float((got - expected).abs().max())
    if not math.isfinite(error):
        error = math.inf
    share = 5e-2 if precision == "f16" else 1e-3
    return {
        "against": against,
        "max_abs_error": error,
        "max_rel_error": error / max(scale, sys.float_info.min),
        "tolerance": share * (1.0 + scale),
    }


def time_work(torch, args, work, batch, flops, device):
    """nlbench's protocol around `work` (one timed run, returning its output): the headline on
    the host clock, each run ending when one element of the output is on the host, and on CUDA
    device time by CUDA events in runs of their own."""
    cuda = device.type == "cuda"

    def host_once():
        start = time.perf_counter()
        out = work()
        out.reshape(-1)[0].item()
        return (time.perf_counter() - start) * 1000.0

    def device_once():
        begin, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        begin.record()
        out = work()
        end.record()
        out.reshape(-1)[0].item()
        end.synchronize()
        return begin.elapsed_time(end)

    warmup_runs, samples, stopped = measure(host_once, args)
    record = {
        "status": "measured",
        "clock": "host",
        **timed(samples, warmup_runs, stopped, batch, flops, args.target_ci, host_resolution_ms()),
    }
    if cuda:
        try:
            warmup_runs, samples, stopped = measure(device_once, args)
            device_figures = timed(
                samples, warmup_runs, stopped, batch, flops, args.target_ci, CUDA_EVENT_RESOLUTION_MS
            )
            record["device_time"] = {"status": "measured", "fusion": False, **device_figures}
        except Exception as err:  # the headline stands; the failure is recorded beside it
            record["device_time"] = {"status": "failed", "kind": kind_of(err), "reason": one_line(err)}
    return record


def time_generation(args, run, batch, flops):
    """nlbench's protocol around a generation: each run's time from its first step to its last
    token on the host (host clock alone), and every timed run's steps' own times, the time per
    output token."""
    runs = []

    def once():
        steps, start = [], time.perf_counter()
        last = start

        def lap():
            nonlocal last
            now = time.perf_counter()
            steps.append((now - last) * 1000.0)
            last = now

        run(lap)
        runs.append(steps)
        return (last - start) * 1000.0

    warmup_runs, samples, stopped = measure(once, args)
    resolution = host_resolution_ms()
    timed_steps = [s for steps in runs[-len(samples):] for s in steps]
    return {
        "status": "measured",
        "clock": "host",
        **timed(samples, warmup_runs, stopped, batch, flops, args.target_ci, resolution),
        "token_latency_ms": summary(timed_steps, resolution),
    }


def time_training(torch, args, net, forward, batch, flops, device):
    """nlbench's training suite: one Adam step (forward, a mean squared error against a seeded
    random target, backward, the update) per run on the same batch, timed by the protocol on
    the host clock until the loss is on the host (and, on CUDA, the device has finished); the
    loss of the first steps kept, falling where the step trains."""
    net.train()
    target = torch.rand(forward().shape, device=device)
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
    losses = []

    def once():
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(forward(), target)
        loss.backward()
        optimizer.step()
        value = loss.item()
        if device.type == "cuda":
            torch.cuda.synchronize()
        elapsed = (time.perf_counter() - start) * 1000.0
        if not math.isfinite(value):
            raise ValueError(f"the training loss is {value}: the step does not train")
        if len(losses) < 8:
            losses.append(value)
        return elapsed

    warmup_runs, samples, stopped = measure(once, args)
    return {
        "status": "measured",
        "clock": "host",
        **timed(samples, warmup_runs, stopped, batch, 3 * flops, args.target_ci, host_resolution_ms()),
        "losses": losses,
    }


def train_all(torch, args, models, others, batch_sizes, workload_batch_sizes, device, records):
    """The training suite: every model and workload at every batch size, FP32, into `records`."""
    plan = [(None, m) for m in models] + [(w, None) for w in others if w.get("decodes", True)]
    for w, model in plan:
        for batch in (batch_sizes if w is None else workload_batch_sizes or batch_sizes):
            record = {"model": model["name"] if w is None else w["name"], "batch_size": batch, "optimizer": "adam"}
            if w is not None:
                record["workload"] = w["workload"]
            try:
                if w is None:
                    net = build(torch, model, torch.float32, device, args.seed)
                    x = torch.rand(batch, model["input_dim"], device=device)
                    forward, flops = (lambda net=net, x=x: net(x)), flops_per_sample(model)
                else:
                    net = wl.build(torch, w, torch.float32, device, args.seed)
                    forward = wl.training_pass(torch, net, w, batch, device)
                    flops = wl.figures(w, wl.phases(w)[0])["flops"]
                record.update(time_training(torch, args, net, forward, batch, flops, device))
            except Exception as err:  # one failing configuration must not stop the run
                record.update({"status": "failed", "kind": kind_of(err), "reason": one_line(err)})
            records.append(record)
            label = record["model"] if w is None else f"{w['workload']}:{w['name']}"
            print(f"training {label} batch {batch}: {record['status']}", file=sys.stderr)


def chosen_workloads(args, models):
    """`--workloads` as nlbench reads it: `mlp` keeps the sizes, `mlp:SIZE` takes one; a bare
    name takes the realistic preset on CUDA and `tiny` on the CPU."""
    kept, others = [], []
    for item in (i.strip() for i in args.workloads.split(",") if i.strip()):
        kind, _, name = item.partition(":")
        kind = kind.lower()
        if kind == "mlp":
            chosen = [m for m in models if not name or m["name"] == name]
            if name and not chosen:
                chosen = [{"name": name, "input_dim": args.input_dim, "hidden_dim": SIZES[name], "layers": 2}]
            kept += [m for m in chosen if m not in kept]
        elif kind in wl.PRESETS:
            name = name.lower() or (wl.REALISTIC if args.device == "cuda" else wl.SOFTWARE)[kind]
            prompts = args.prompt_len or []
            entry = wl.preset(kind, name, prompts[0] if len(prompts) == 1 else None, args.context_len,
                              args.gen_len, args.depth)
            others += wl.sweep(entry, prompts)
        else:
            raise ValueError(f"unknown workload '{kind}' (expected {', '.join(wl.KINDS)})")
    return kept, others


def one_line(err):
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def kind_of(err):
    text = str(err).lower()
    if "out of memory" in text:
        return "out_of_memory"
    return "backend"


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


def path_info(cuda):
    host = {"clock": HOST_CLOCK, "completion": HOST_COMPLETION, "resolution_ms": host_resolution_ms()}
    if cuda:
        device_time = {
            "status": "timed",
            "timing": {"clock": DEVICE_CLOCK, "completion": DEVICE_COMPLETION, "resolution_ms": CUDA_EVENT_RESOLUTION_MS},
            "fusion": False,
        }
    else:
        device_time = {"status": "unavailable", "reason": "PyTorch on the CPU has no device clock"}
    return host, {"id": "pytorch", "fusion": False, "timing": host, "clock": "host", "device_time": device_time}


def percent(text):
    if text.strip().lower() == "off":
        return None
    value = float(text) / 100.0
    if not 0.0 < value <= 0.5:
        raise ValueError(f"interval target must be above 0 % and at most 50 %, got {text}")
    return value


def measure_all(torch, args, models, others, precisions, batch_sizes, workload_batch_sizes, device, records):
    """Measures every configuration of the plan into `records`, one at a time, so that an
    interrupt leaves every finished one there."""
    for model in models:
        for precision in precisions:
            for batch in batch_sizes:
                record = {"model": model["name"], "precision": precision, "batch_size": batch, "path": "pytorch"}
                try:
                    record.update(measure_configuration(torch, args, model, precision, batch, device))
                except Exception as err:  # one failing configuration must not stop the run
                    record.update({"status": "failed", "kind": kind_of(err), "reason": one_line(err)})
                records.append(record)
                print(f"{model['name']} {precision} batch {batch}: {record['status']}", file=sys.stderr)
    for w in others:
        for phase in wl.phases(w):
            for precision in precisions:
                for batch in workload_batch_sizes or batch_sizes:
                    record = {"workload": w["workload"], "model": w["name"], "precision": precision,
                              "batch_size": batch, "path": "pytorch"}
                    if phase != "forward":
                        record["phase"] = phase
                    if wl.test_name(w, phase):
                        record["test"] = wl.test_name(w, phase)
                    try:
                        record.update(measure_workload(torch, args, w, phase, precision, batch, device))
                    except Exception as err:  # one failing configuration must not stop the run
                        record.update({"status": "failed", "kind": kind_of(err), "reason": one_line(err)})
                    records.append(record)
                    label = f"{w['workload']}:{w['name']}" + ("" if phase == "forward" else f" {wl.test_name(w, phase) or phase}")
                    print(f"{label} {precision} batch {batch}: {record['status']}", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    parser.add_argument("--workloads", default=None, help=f"nlbench's --workloads: NAME or NAME:PRESET, comma-separated (default: {','.join(wl.KINDS)}; with --quick, mlp)")
    parser.add_argument("--prompt-len", type=lambda text: [int(t) for t in text.split(",")], default=None, help="tokens of the decoder's prompt; several, comma-separated, sweep the prefill")
    parser.add_argument("--context-len", type=int, default=None)
    parser.add_argument("--gen-len", type=int, default=None, help="tokens the decoder generates one by one, llama-bench's tgN (default: the preset's)")
    parser.add_argument("--depth", type=int, default=None, help="tokens of context before the generation (tgN @ dM)")
    parser.add_argument("--batch-sizes", default=None, help="default 1,16,64,128,256 (the tiny workloads on the CPU: 1,16)")
    parser.add_argument("--sizes", default=None, help="default small,medium,large; naming sizes without --workloads measures the MLP alone")
    parser.add_argument("--input-dim", type=int, default=1024)
    parser.add_argument("--precision", default="f32,f16")
    parser.add_argument("--iterations", type=int, default=20, help="timed runs per configuration and round, the least taken")
    parser.add_argument("--warmup-ms", type=float, default=500.0)
    parser.add_argument("--target-ci", default="2", help="percent, or off for exactly --iterations")
    parser.add_argument("--max-time-ms", type=float, default=400.0)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds of the plan (nlbench's --repeat)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--quick", action="store_true", help="nlbench's --quick: small and medium, batch sizes 1,16,64, 10 iterations, 100 ms warm-up, 100 ms cap")
    parser.add_argument("--suite", default="inference", help="nlbench's --suite: inference, training, inference,training or all (the baseline has no memory suite)")
    parser.add_argument("--out", default="pytorch_results")
    args = parser.parse_args()
    # nlbench's default plan: the tiny workloads on the CPU take batch sizes 1 and 16 alone.
    workload_batch_sizes = [1, 16] if args.batch_sizes is None and not args.quick and args.device == "cpu" else None
    if args.quick:
        args.sizes, args.batch_sizes, args.iterations = "small,medium", args.batch_sizes or "1,16,64", 10
        args.warmup_ms, args.max_time_ms = 100.0, 100.0
        args.workloads = args.workloads or "mlp"
    args.batch_sizes = args.batch_sizes or "1,16,64,128,256"
    args.workloads = args.workloads or ("mlp" if args.sizes else ",".join(wl.KINDS))
    args.sizes = args.sizes or "small,medium,large"
    try:
        args.target_ci = percent(args.target_ci)
        batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
        precisions = [p.strip().lower() for p in args.precision.split(",")]
        models = [
            {"name": s, "input_dim": args.input_dim, "hidden_dim": SIZES[s], "layers": 2}
            for s in (s.strip() for s in args.sizes.split(","))
        ]
        models, others = chosen_workloads(args, models)
    except (ValueError, KeyError) as err:
        parser.error(f"bad value: {err}")
    if any(p not in ("f32", "f16", "bf16") for p in precisions) or any(b <= 0 for b in batch_sizes):
        parser.error("precisions are f32, f16, bf16; batch sizes are positive")
    if (args.gen_len is not None and args.gen_len < 1) or (args.depth is not None and args.depth < 0):
        parser.error("--gen-len is at least 1 and --depth at least 0")
    suites = {s.strip().lower() for s in args.suite.split(",")}
    if not suites or not suites <= {"inference", "training", "all"}:
        parser.error("--suite takes inference, training, inference,training or all")
    if args.iterations < 1 or args.warmup_ms < 0 or args.max_time_ms <= 0:
        parser.error("iterations are at least 1, the warm-up at least 0 ms, the cap above 0 ms")
    if not 1 <= args.repeat <= 100:
        parser.error("--repeat is between 1 and 100")

    try:
        import torch
    except ImportError:
        sys.exit("error: PyTorch is not installed (pip install torch)")
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("error: PyTorch finds no CUDA device")

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    created = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    start = time.perf_counter()
    records = []
    rounds = []
    # Ctrl-C or SIGTERM (a time limit, say) ends the run after what finished, as in nlbench:
    # the rows measured are written, and the results say the run is partial.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    partial = None
    training = []
    try:
        if suites & {"inference", "all"}:
            for _ in range(args.repeat):
                rounds.append([])
                measure_all(torch, args, models, others, precisions, batch_sizes, workload_batch_sizes, device, rounds[-1])
            records[:] = merge_rounds(rounds, args.target_ci)
        if suites & {"training", "all"}:
            train_all(torch, args, models, others, batch_sizes, workload_batch_sizes, device, training)
    except KeyboardInterrupt:
        partial = INTERRUPTED
        if rounds and not records:
            # The rounds that finished, and the finished rows of the one interrupted.
            complete = [r for r in rounds if len(r) == len(rounds[0])]
            records[:] = merge_rounds(complete, args.target_ci) if complete else rounds[0]
        print(f"interrupted: writing the {len(records)} configurations that finished", file=sys.stderr)

    timing, path = path_info(cuda)
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
        "timing": timing,
        "paths": [path],
        "config": {
            "models": models,
            "workloads": others,
            "batch_sizes": batch_sizes,
            **({"workload_batch_sizes": workload_batch_sizes} if others and workload_batch_sizes else {}),
            "precisions": precisions,
            "iterations": args.iterations,
            "warmup_ms": args.warmup_ms,
            "seed": args.seed,
            "target_ci": args.target_ci,
            "max_time_ms": args.max_time_ms if args.target_ci is not None else None,
            "repeat": args.repeat,
        },
        "inference": records,
        "memory": [],
        "training": training,
        "run_seconds": time.perf_counter() - start,
        "partial": partial,
        "notes": [],
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "results.json")
    with open(path, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {path}")
    if partial:
        sys.exit(130)


if __name__ == "__main__":
    main()
