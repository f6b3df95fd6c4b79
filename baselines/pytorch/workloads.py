"""The workloads beside the MLP, in PyTorch: the same presets, shapes and figures as nlbench's
`workload` modules (`crates/nlbench/src/workload/`), built from torch.nn modules, so a row of
either lines up with the other's in `nlbench-native compare`.

FLOPs count every matrix product and convolution, a multiply-add counting two, exactly as
nlbench counts them; the parameter counts are the modules' own (checked in the baseline's test).
"""

import json
import math
from pathlib import Path

# The presets nlbench reads too (`crates/nlbench-results/presets.json`): one file for both sides.
PRESETS_FILE = Path(__file__).resolve().parents[2] / "crates" / "nlbench-results" / "presets.json"
_FAMILIES = json.loads(PRESETS_FILE.read_text())
# Every workload's name, in the file's order (the MLP's first).
KINDS = list(_FAMILIES)
PRESETS = {
    kind: {p["name"]: {k: v for k, v in p.items() if k != "name"} for p in family["presets"]}
    for kind, family in _FAMILIES.items()
    if kind != "mlp"
}
# The MLP's sizes: hidden width by name.
SIZES = {p["name"]: p["hidden_dim"] for p in _FAMILIES["mlp"]["presets"]}
# The preset a bare name takes on a hardware GPU, and elsewhere.
REALISTIC = {kind: family["hardware_gpu"] for kind, family in _FAMILIES.items()}
SOFTWARE = {kind: family["software"] for kind, family in _FAMILIES.items()}
EXPANSION = 4


def sweep(entry, prompts):
    """nlbench's `--prompt-len A,B,...`: one decoder per length, named `PRESET-pLENGTH`, the
    first also decoding, the others running their prefill alone."""
    if entry["workload"] != "decoder" or len(prompts) < 2:
        return [entry]
    variants = []
    for index, prompt in enumerate(prompts):
        variant = preset("decoder", entry["name"], prompt, entry["decode_at"])
        variant["name"] = f"{entry['name']}-p{prompt}"
        if index > 0:
            variant["decodes"] = False
        variants.append(variant)
    return variants


def preset(kind, name, prompt=None, context=None, generate=None, depth=None):
    """The config entry nlbench writes for `kind:name` (`config.workloads[]`)."""
    table = PRESETS.get(kind)
    if table is None or name not in table:
        raise ValueError(f"unknown {kind} preset '{name}'")
    shapes = dict(table[name])
    if kind == "decoder":
        shapes["prompt"] = prompt or shapes["prompt"]
        shapes["decode_at"] = context or shapes["decode_at"]
        if not 1 <= shapes["prompt"] <= shapes["context"]:
            raise ValueError(f"the prompt length must be between 1 and {shapes['context']}")
        if not 2 <= shapes["decode_at"] <= shapes["context"]:
            raise ValueError(f"the decode context length must be between 2 and {shapes['context']}")
        shapes["generate"] = generate or shapes.get("generate", 0)
        if depth:
            shapes["depth"] = depth
        if shapes["generate"] + shapes.get("depth", 0) > shapes["context"]:
            raise ValueError(f"the generated tokens after the depth must fit the context, {shapes['context']}")
    return {"workload": kind, "name": name, **shapes}


def phases(workload):
    if workload["workload"] != "decoder":
        return ["forward"]
    if not workload.get("decodes", True):
        return ["prefill"]
    return ["prefill", "decode"] + (["generate"] if workload.get("generate") else [])


def test_name(w, phase):
    """llama-bench's name of a decoder row's test: `pp512`, `tg128`, `tg128 @ d512`."""
    if phase == "prefill":
        return f"pp{w['prompt']}"
    if phase == "generate":
        depth = w.get("depth", 0)
        return f"tg{w['generate']}" + (f" @ d{depth}" if depth else "")
    return None


def mm(m, n, k):
    return 2 * m * n * k


def out_side(side, kernel, stride):
    return (side + 2 * (kernel // 2) - kernel) // stride + 1


def cnn_walk(c):
    """Every convolution (input, output, kernel, stride, output side), then the classifier's
    input width: nlbench's `CnnConfig::walk`."""
    convs = []
    kernel, stride = (7, 2) if c["large_stem"] else (3, 1)
    side = out_side(c["image"], kernel, stride)
    convs.append((3, c["stem_width"], kernel, stride, side))
    if c["large_stem"]:
        side = out_side(side, 3, 2)
    channels = c["stem_width"]
    for stage in c["stages"]:
        for block in range(stage["blocks"]):
            s = stage["stride"] if block == 0 else 1
            inner = out_side(side, 3, s)
            wide = stage["width"] * EXPANSION
            convs.append((channels, stage["width"], 1, 1, side))
            convs.append((stage["width"], stage["width"], 3, s, inner))
            convs.append((stage["width"], wide, 1, 1, inner))
            if block == 0 and (s != 1 or channels != wide):
                convs.append((channels, wide, 1, s, inner))
            channels, side = wide, inner
    return convs, channels


def figures(w, phase):
    """Parameters, FLOPs, input, output, activation and KV-cache elements per sample: nlbench's
    `Workload::figures`."""
    kind = w["workload"]
    if kind == "encoder":
        s, d, f, h, l = w["sequence"], w["width"], w["feed_forward"], w["heads"], w["layers"]
        params = l * (4 * d * d + 4 * d + 2 * d * f + f + d + 4 * d)
        per_layer = mm(s, 3 * d, d) + mm(s, d, d) + 2 * mm(s, s, d) + mm(s, f, d) + mm(s, d, f)
        return dict(parameters=params, flops=l * per_layer, input=s * d, output=s * d,
                    activation=l * (14 * s * d + 2 * s * f + 2 * h * s * s), cache=0)
    if kind == "decoder" and phase == "generate":
        # Every step a decode step attending to one position more than the one before.
        steps = [figures({**w, "decode_at": w.get("depth", 0) + i + 1}, "decode") for i in range(w["generate"])]
        last = steps[-1]
        return dict(last, flops=sum(s["flops"] for s in steps), input=len(steps) * last["input"],
                    output=len(steps) * last["output"])
    if kind == "decoder":
        d, v, l, h = w["width"], w["vocabulary"], w["layers"], w["heads"]
        block = 12 * d * d + 13 * d
        params = v * d + w["context"] * d + l * block + 2 * d
        tokens = 1 if phase == "decode" else w["prompt"]
        projections = mm(tokens, 3 * d, d) + mm(tokens, d, d) + mm(tokens, 4 * d, d) + mm(tokens, d, 4 * d)
        if phase == "decode":
            pairs = keys = w["decode_at"]
            cache, per_layer = 2 * l * keys * d, 2 * keys * d + 22 * d + 2 * h * keys
        else:
            pairs, keys = tokens * (tokens + 1) // 2, tokens
            cache, per_layer = 2 * l * tokens * d, 22 * tokens * d + 2 * h * tokens * tokens
        return dict(parameters=params, flops=l * (projections + 4 * pairs * d) + mm(1, v, d),
                    input=2 * tokens * d, output=v, activation=l * per_layer + 3 * tokens * d + v,
                    cache=cache)
    if kind == "vit":
        d, m, h, l, c, p = w["width"], w["mlp"], w["heads"], w["layers"], w["classes"], w["patch"]
        s = vit_tokens(w)
        params = 3 * p * p * d + 2 * d + s * d + l * (4 * d * d + 2 * d * m + 9 * d + m) + 2 * d + d * c + c
        per_layer = mm(s, 3 * d, d) + mm(s, d, d) + 2 * mm(s, s, d) + mm(s, m, d) + mm(s, d, m)
        return dict(parameters=params, flops=mm(s - 1, d, 3 * p * p) + l * per_layer + mm(1, c, d),
                    input=3 * w["image"] ** 2, output=c,
                    activation=3 * s * d + l * (14 * s * d + 2 * s * m + 2 * h * s * s), cache=0)
    convs, features = cnn_walk(w)
    params = sum(o * i * k * k + 2 * o for i, o, k, _, _ in convs) + features * w["classes"] + w["classes"]
    flops = sum(mm(side * side, o, i * k * k) for i, o, k, _, side in convs) + mm(1, w["classes"], features)
    return dict(parameters=params, flops=flops, input=3 * w["image"] ** 2, output=w["classes"],
                activation=3 * sum(o * side * side for _, o, _, _, side in convs), cache=0)


def vit_tokens(w):
    """Tokens a vision transformer's blocks see: every patch and the class token."""
    return (w["image"] // w["patch"]) ** 2 + 1


def build(torch, w, dtype, device, seed):
    """The workload as torch.nn modules, weights from `seed`, in eval mode."""
    nn = torch.nn
    F = torch.nn.functional
    torch.manual_seed(seed)

    def split(qkv, heads):
        b, t, three_d = qkv.shape
        q, k, v = qkv.split(three_d // 3, dim=2)
        return [x.reshape(b, t, heads, -1).transpose(1, 2) for x in (q, k, v)]

    def merge(x):
        b, h, t, dh = x.shape
        return x.transpose(1, 2).reshape(b, t, h * dh)

    class EncoderLayer(nn.Module):
        def __init__(self, d, f, heads):
            super().__init__()
            self.heads = heads
            self.qkv, self.projection = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.attention_norm, self.feed_forward_norm = nn.LayerNorm(d), nn.LayerNorm(d)
            self.up, self.down = nn.Linear(d, f), nn.Linear(f, d)

        def forward(self, x):
            q, k, v = split(self.qkv(x), self.heads)
            x = self.attention_norm(x + self.projection(merge(F.scaled_dot_product_attention(q, k, v))))
            return self.feed_forward_norm(x + self.down(F.gelu(self.up(x))))

    class DecoderBlock(nn.Module):
        def __init__(self, d, heads):
            super().__init__()
            self.heads = heads
            self.attention_norm, self.mlp_norm = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.projection = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.up, self.down = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

        def forward(self, x, past):
            q, k, v = split(self.qkv(self.attention_norm(x)), self.heads)
            if past is not None:
                k, v = torch.cat([past[0], k], dim=2), torch.cat([past[1], v], dim=2)
            context = F.scaled_dot_product_attention(q, k, v, is_causal=past is None)
            x = x + self.projection(merge(context))
            return x + self.down(F.gelu(self.up(self.mlp_norm(x)))), (k, v)

    class Decoder(nn.Module):
        def __init__(self, c):
            super().__init__()
            d = c["width"]
            self.tokens, self.positions = nn.Embedding(c["vocabulary"], d), nn.Embedding(c["context"], d)
            self.blocks = nn.ModuleList(DecoderBlock(d, c["heads"]) for _ in range(c["layers"]))
            self.norm = nn.LayerNorm(d)

        def run(self, tokens, positions, past):
            x = self.tokens(tokens) + self.positions(positions)
            cache = []
            for i, block in enumerate(self.blocks):
                x, kv = block(x, None if past is None else past[i])
                cache.append(kv)
            return self.norm(x[:, -1]) @ self.tokens.weight.t(), cache

        def prefill(self, tokens):
            b, t = tokens.shape
            return self.run(tokens, torch.arange(t, device=tokens.device).expand(b, t), None)

        def decode(self, token, cache):
            b = token.shape[0]
            at = cache[0][0].shape[2]
            return self.run(token, torch.full((b, 1), at, device=token.device), cache)

    class ConvNorm(nn.Module):
        def __init__(self, i, o, k, s):
            super().__init__()
            self.conv = nn.Conv2d(i, o, k, stride=s, padding=k // 2, bias=False)
            self.norm = nn.BatchNorm2d(o)

        def forward(self, x):
            return self.norm(self.conv(x))

    class Bottleneck(nn.Module):
        def __init__(self, convs):
            super().__init__()
            self.reduce, self.spatial, self.expand = convs[:3]
            self.shortcut = convs[3] if len(convs) > 3 else None

        def forward(self, x):
            y = F.relu(self.spatial(F.relu(self.reduce(x))))
            y = self.expand(y)
            return F.relu(y + (self.shortcut(x) if self.shortcut is not None else x))

    class Cnn(nn.Module):
        def __init__(self, c):
            super().__init__()
            convs, features = cnn_walk(c)
            made = [ConvNorm(i, o, k, s) for i, o, k, s, _ in convs]
            self.stem = made[0]
            self.pool = nn.MaxPool2d(3, 2, 1) if c["large_stem"] else nn.Identity()
            blocks, at, channels = [], 1, c["stem_width"]
            for stage in c["stages"]:
                for block in range(stage["blocks"]):
                    s = stage["stride"] if block == 0 else 1
                    wide = stage["width"] * EXPANSION
                    count = 4 if block == 0 and (s != 1 or channels != wide) else 3
                    blocks.append(Bottleneck(made[at:at + count]))
                    at, channels = at + count, wide
            self.blocks = nn.Sequential(*blocks)
            self.classifier = nn.Linear(features, c["classes"])

        def forward(self, x):
            x = self.blocks(self.pool(F.relu(self.stem(x))))
            return self.classifier(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))

    class VitBlock(nn.Module):
        def __init__(self, d, m, heads):
            super().__init__()
            self.heads = heads
            self.attention_norm, self.mlp_norm = nn.LayerNorm(d), nn.LayerNorm(d)
            self.qkv, self.projection = nn.Linear(d, 3 * d), nn.Linear(d, d)
            self.up, self.down = nn.Linear(d, m), nn.Linear(m, d)

        def forward(self, x):
            q, k, v = split(self.qkv(self.attention_norm(x)), self.heads)
            x = x + self.projection(merge(F.scaled_dot_product_attention(q, k, v)))
            return x + self.down(F.gelu(self.up(self.mlp_norm(x))))

    class Vit(nn.Module):
        def __init__(self, c):
            super().__init__()
            d, p = c["width"], c["patch"]
            self.patches = nn.Conv2d(3, d, p, stride=p)
            self.class_token = nn.Parameter(torch.randn(1, 1, d) * 0.02)
            self.positions = nn.Parameter(torch.randn(1, vit_tokens(c), d) * 0.02)
            self.blocks = nn.Sequential(*(VitBlock(d, c["mlp"], c["heads"]) for _ in range(c["layers"])))
            self.norm, self.head = nn.LayerNorm(d), nn.Linear(d, c["classes"])

        def forward(self, x):
            x = self.patches(x).flatten(2).transpose(1, 2)
            x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1) + self.positions
            return self.head(self.norm(self.blocks(x)[:, 0]))

    kind = w["workload"]
    if kind == "vit":
        net = Vit(w)
    elif kind == "encoder":
        layers = [EncoderLayer(w["width"], w["feed_forward"], w["heads"]) for _ in range(w["layers"])]
        net = nn.Sequential(*layers)
    elif kind == "decoder":
        net = Decoder(w)
    else:
        net = Cnn(w)
    return net.to(device=device, dtype=dtype).eval()


def parameter_count(torch_module):
    return sum(p.numel() for p in torch_module.parameters())


def prepared(torch, net, w, phase, batch, dtype, device):
    """One timed run of `phase` at `batch`, as a function returning its output, and the check
    that runs before it: (what it was held against, expected, got) or None."""
    kind = w["workload"]
    if kind == "encoder":
        x = torch.rand(batch, w["sequence"], w["width"], device=device, dtype=dtype)
        return (lambda: net(x)), attention_check(torch, w, batch, False, dtype, device)
    if kind == "cnn":
        x = torch.rand(batch, 3, w["image"], w["image"], device=device, dtype=dtype)
        return (lambda: net(x)), None
    if kind == "vit":
        x = torch.rand(batch, 3, w["image"], w["image"], device=device, dtype=dtype)
        return (lambda: net(x)), attention_check(torch, w, batch, False, dtype, device)
    vocabulary = w["vocabulary"]
    if phase == "prefill":
        prompt = torch.randint(vocabulary, (batch, w["prompt"]), device=device)
        return (lambda: net.prefill(prompt)[0]), attention_check(torch, w, batch, True, dtype, device)
    cached = torch.randint(vocabulary, (batch, w["decode_at"] - 1), device=device)
    token = torch.randint(vocabulary, (batch, 1), device=device)
    _, cache = net.prefill(cached)
    full, _ = net.prefill(torch.cat([cached, token], dim=1))
    step, _ = net.decode(token, cache)
    check = ("a full pass over the same tokens, without the KV cache", full, step)
    return (lambda: net.decode(token, cache)[0]), check


def training_pass(torch, net, w, batch, device):
    """The first phase's forward pass of `w` over a fixed random batch (the decoder's prefill),
    as a function: what nlbench's training suite trains on."""
    kind = w["workload"]
    if kind == "encoder":
        x = torch.rand(batch, w["sequence"], w["width"], device=device)
        return lambda: net(x)
    if kind in ("cnn", "vit"):
        x = torch.rand(batch, 3, w["image"], w["image"], device=device)
        return lambda: net(x)
    prompt = torch.randint(w["vocabulary"], (batch, w["prompt"]), device=device)
    return lambda: net.prefill(prompt)[0]


def generation(torch, net, w, batch, device):
    """llama-bench's tgN: a run that generates `generate` tokens per sequence one after another
    from a random token (after `depth` random tokens' cache), each step's most likely token
    read on the host and fed back, `lap()` called as it arrives; and its check: the second
    step, decoded with the cache the first grew, against a full pass over the same tokens."""
    vocabulary = w["vocabulary"]
    first = torch.randint(vocabulary, (batch, 1), device=device)
    context = None
    if w.get("depth", 0):
        cached = torch.randint(vocabulary, (batch, w["depth"]), device=device)
        context = (cached, net.prefill(cached)[1])

    def step(token, cache):
        return net.prefill(token) if cache is None else net.decode(token, cache)

    def run(lap):
        cache, token = (None if context is None else context[1]), first
        for _ in range(w["generate"]):
            logits, cache = step(token, cache)
            token = logits.argmax(dim=1, keepdim=True)
            token.cpu()
            lap()

    logits, cache = step(first, None if context is None else context[1])
    generated = logits.argmax(dim=1, keepdim=True)
    second, _ = net.decode(generated, cache)
    tokens = ([] if context is None else [context[0]]) + [first, generated]
    full, _ = net.prefill(torch.cat(tokens, dim=1))
    return run, ("a full pass over the same tokens, without the KV cache", full, second)


def attention_check(torch, w, batch, causal, dtype, device):
    heads = w["heads"]
    tokens = {"encoder": w.get("sequence"), "decoder": w.get("prompt")}.get(w["workload"]) or vit_tokens(w)
    shape = (min(batch, 8), heads, tokens, w["width"] // heads)
    q, k, v = (torch.rand(shape, device=device, dtype=dtype) for _ in range(3))
    got = torch.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal)
    q32, k32, v32 = (t.float().cpu() for t in (q, k, v))
    scores = q32 @ k32.transpose(2, 3) / math.sqrt(shape[3])
    if causal:
        mask = torch.ones(tokens, tokens, dtype=torch.bool).triu(1)
        scores = scores.masked_fill(mask, float("-inf"))
    expected = torch.softmax(scores, dim=3) @ v32
    return ("the explicit softmax(QKᵀ/√d)·V of the same inputs on the CPU", expected, got)
