"""The Python half of bench/run.sh: the same workloads as bench/MLRoadmap.Bench, on the same libtorch (Debian's
python3-torch 1.13 loads the same libtorch_cpu.so as the shim). Prints one JSON line per workload.

Usage: /usr/bin/python3 bench/python/bench.py --threads N [--quick] [workload ...]
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def per_op_ns(fn, n):
    for _ in range(min(n, 5000)):
        fn()
    samples = []
    for _ in range(15):
        t = time.perf_counter_ns()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter_ns() - t) / n)
    return samples


def per_step_ms(step, steps, repeats):
    for _ in range(5):
        step()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter_ns()
        for _ in range(steps):
            step()
        samples.append((time.perf_counter_ns() - t) / steps / 1e6)
    return samples


def tiny_ops(quick):
    a, b = torch.ones(1), torch.ones(1)
    n = 20000 if quick else 100000
    yield "tiny_add", "ns_per_op", per_op_ns(lambda: torch.add(a, b), n)
    yield "tiny_add_", "ns_per_op", per_op_ns(lambda: a.add_(b), n)


def train_step(model, x, y):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return step


def mlp(quick):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    x, y = torch.randn(128, 784), torch.randint(0, 10, (128,))
    yield "mlp_step", "ms_per_step", per_step_ms(train_step(model, x, y), 10 if quick else 100, 3 if quick else 7)


def cnn(quick):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10))
    x, y = torch.randn(128, 1, 28, 28), torch.randint(0, 10, (128,))
    yield "cnn_step", "ms_per_step", per_step_ms(train_step(model, x, y), 3 if quick else 20, 3 if quick else 5)


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(5000, 64)
        self.lstm = nn.LSTM(64, 128, batch_first=True)
        self.head = nn.Linear(128, 5)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.embedding(tokens))
        return self.head(h[-1])


def lstm(quick):
    torch.manual_seed(0)
    model = LstmClassifier()
    x, y = torch.randint(0, 5000, (32, 64)), torch.randint(0, 5, (32,))
    yield "lstm_step", "ms_per_step", per_step_ms(train_step(model, x, y), 5 if quick else 30, 3 if quick else 5)


class TinyGpt(nn.Module):
    def __init__(self, vocab, block, layers, width):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(block, width)
        self.blocks = nn.ModuleList(nn.TransformerEncoderLayer(width, 4, 4 * width, 0.0, F.gelu, batch_first=True, norm_first=True)
                                    for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)
        self.register_buffer("causal", torch.ones(block, block, dtype=torch.bool).triu(1))

    def forward(self, tokens):
        x = self.tokens(tokens) + self.positions(torch.arange(tokens.shape[1]))
        for block in self.blocks:
            x = block(x, self.causal)
        return self.head(self.norm(x)).flatten(0, 1)


def gpt(quick):
    torch.manual_seed(0)
    model = TinyGpt(1024, 128, 6, 256)
    x, y = torch.randint(0, 1024, (16, 128)), torch.randint(0, 1024, (16 * 128,))
    yield "gpt_step", "ms_per_step", per_step_ms(train_step(model, x, y), 3 if quick else 10, 3 if quick else 5)


WORKLOADS = {"tiny": tiny_ops, "mlp": mlp, "cnn": cnn, "lstm": lstm, "gpt": gpt}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    for w in args.workloads:
        for name, unit, samples in WORKLOADS[w](args.quick):
            print(json.dumps({"lang": "python", "workload": name, "unit": unit, "median": statistics.median(samples), "min": min(samples),
                              "samples": samples, "threads": torch.get_num_threads(), "torch": torch.__version__}),
                  flush=True)


if __name__ == "__main__":
    main()
