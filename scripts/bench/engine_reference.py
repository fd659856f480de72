# Reference for `npm run bench:engine` (development only; never imported at run time): the same decoder-only
# Transformer as scripts/bench-engine.ts (pre-norm, T5 relative position bias, GELU feed-forward, AdamW) in
# PyTorch, timed the same way. Prints one JSON line: {"trainMs": ..., "decodeMs": ...}.
import json, math, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

args = json.loads(sys.argv[1])
torch.set_num_threads(args["threads"])
torch.manual_seed(0)

def bucket(rel, num_buckets, max_distance):
    n = max(-rel, 0)
    exact = num_buckets // 2
    if n < exact:
        return n
    large = exact + int(math.log(n / exact) / math.log(max_distance / exact) * (num_buckets - exact))
    return min(large, num_buckets - 1)

class Attention(nn.Module):
    def __init__(s, d, h):
        super().__init__(); s.h = h; s.hd = d // h
        s.query = nn.Linear(d, d); s.key = nn.Linear(d, d); s.value = nn.Linear(d, d); s.output = nn.Linear(d, d)
    def forward(s, x, mask, bias, cache=None):
        b, t, d = x.shape
        q = s.query(x).view(b, t, s.h, s.hd).transpose(1, 2)
        k = s.key(x).view(b, t, s.h, s.hd).transpose(1, 2)
        v = s.value(x).view(b, t, s.h, s.hd).transpose(1, 2)
        if cache is not None:
            kb, vb, n = cache["k"], cache["v"], cache["n"]
            kb[:, :, n:n + t] = k; vb[:, :, n:n + t] = v
            k = kb[:, :, :n + t]; v = vb[:, :, :n + t]
        logits = q @ k.transpose(2, 3) / math.sqrt(s.hd) + bias
        if mask is not None:
            logits = logits.masked_fill(mask, float("-inf"))
        return s.output((logits.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d))

class Layer(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.n1 = nn.LayerNorm(d); s.attn = Attention(d, h); s.n2 = nn.LayerNorm(d)
        s.up = nn.Linear(d, 4 * d); s.down = nn.Linear(4 * d, d)
    def forward(s, x, mask, bias, cache=None):
        x = x + s.attn(s.n1(x), mask, bias, cache)
        return x + s.down(F.gelu(s.up(s.n2(x))))

class Decoder(nn.Module):
    def __init__(s, vocab, d, h, layers):
        super().__init__()
        s.h = h; s.embed = nn.Embedding(vocab, d); s.rel = nn.Embedding(32, h)
        s.layers = nn.ModuleList([Layer(d, h) for _ in range(layers)])
        s.norm = nn.LayerNorm(d); s.head = nn.Linear(d, vocab)
    def bias(s, tq, tk, offset):
        ids = torch.tensor([[bucket(j - (i + offset), 32, 128) for j in range(tk)] for i in range(tq)])
        return s.rel(ids).permute(2, 0, 1).unsqueeze(0)
    def forward(s, tokens, caches=None):
        t = tokens.shape[1]
        past = caches[0]["n"] if caches else 0
        bias = s.bias(t, past + t, past)
        mask = torch.ones(t, past + t, dtype=torch.bool).triu(past + 1) if t > 1 else None
        x = s.embed(tokens)
        for k, layer in enumerate(s.layers):
            x = layer(x, mask, bias, caches[k] if caches else None)
        if caches:
            for c in caches: c["n"] += t
        return s.head(s.norm(x))

def train_ms():
    a = args["train"]
    model = Decoder(a["vocab"], a["dModel"], a["heads"], a["layers"])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    def step():
        tokens = torch.randint(0, a["vocab"], (a["batch"], a["seq"] + 1))
        logits = model(tokens[:, :-1])
        loss = F.cross_entropy(logits.transpose(1, 2), tokens[:, 1:])
        loss.backward(); opt.step(); opt.zero_grad(set_to_none=True)
        return loss.item()
    for _ in range(a["warmup"]): step()
    t0 = time.perf_counter()
    for _ in range(a["steps"]): step()
    return (time.perf_counter() - t0) * 1000 / a["steps"]

def decode_ms():
    a = args["decode"]
    model = Decoder(a["vocab"], a["dModel"], a["heads"], a["layers"]).eval()
    hd = a["dModel"] // a["heads"]
    with torch.no_grad():
        def run():
            caches = [{"k": torch.zeros(1, a["heads"], a["tokens"], hd), "v": torch.zeros(1, a["heads"], a["tokens"], hd), "n": 0} for _ in range(a["layers"])]
            tok = torch.zeros(1, 1, dtype=torch.long)
            for _ in range(a["tokens"]):
                tok = model(tok, caches)[:, -1:].argmax(-1)
        run()
        t0 = time.perf_counter(); run()
        return (time.perf_counter() - t0) * 1000 / a["tokens"]

print(json.dumps({"trainMs": train_ms(), "decodeMs": decode_ms()}))
