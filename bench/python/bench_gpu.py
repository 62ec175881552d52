"""The Python half of bench/gpu.sh: the same GPU workloads as bench/MLRoadmap.Bench/GpuWorkloads.cs, in PyTorch eager
(and torch.compile with --compile, where this torch has it). Prints one JSON line per workload.

Usage: python3 bench/python/bench_gpu.py [--device cuda|cpu] [--precision bf16|fp32] [--smoke] [--compile] [workload ...]
"""
import argparse
import contextlib
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def time_steps(device, step, steps, repeats):
    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    for _ in range(3):
        step()
    sync()
    samples = []
    for _ in range(repeats):
        t = time.perf_counter_ns()
        for _ in range(steps):
            step()
        sync()
        samples.append((time.perf_counter_ns() - t) / steps / 1e6)
    return samples


def autocast(args):
    if args.precision != "bf16":
        return contextlib.nullcontext()
    return torch.autocast(device_type=args.device.type, dtype=torch.bfloat16)


def adamw(params, device):
    fused = device.type == "cuda" and "fused" in torch.optim.AdamW.__init__.__code__.co_varnames
    return torch.optim.AdamW(params, lr=1e-4, **({"fused": True} if fused else {}))


def train_step(model, args, loss_fn):
    opt = adamw(model.parameters(), args.device)
    run = torch.compile(loss_fn) if args.compile else loss_fn

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast(args):
            loss = run()
        loss.backward()
        opt.step()
    return step


def gemm(args):
    n = 256 if args.smoke else 8192
    dtype = torch.bfloat16 if args.precision == "bf16" else torch.float32
    a = torch.randn(n, n, dtype=dtype, device=args.device)
    b = torch.randn(n, n, dtype=dtype, device=args.device)
    return time_steps(args.device, lambda: a @ b, 10, 5), 1, 2.0 * n ** 3


# ResNet-18 as torchvision builds it (the C# side uses the zoo's, whose keys are torchvision's).
class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


def resnet18(num_classes):
    try:
        import torchvision
        return torchvision.models.resnet18(num_classes=num_classes)
    except ImportError:
        layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
        cin = 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, num_classes))


def resnet(args):
    torch.manual_seed(0)
    batch = 8 if args.smoke else 512
    model = resnet18(10).to(args.device)
    x = torch.randn(batch, 3, 32, 32, device=args.device)
    if args.device.type == "cuda":
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 10, (batch,), device=args.device)
    step = train_step(model, args, lambda: F.cross_entropy(model(x), y))
    return time_steps(args.device, step, 2 if args.smoke else 20, 5), batch, 0.0


# GPT-2 as nanoGPT's model.py: pre-norm blocks, GELU MLP, tied embedding and head, causal SDPA.
class Block(nn.Module):
    def __init__(self, c, h):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.c_attn, self.attn_proj = nn.Linear(c, 3 * c), nn.Linear(c, c)
        self.c_fc, self.mlp_proj = nn.Linear(c, 4 * c), nn.Linear(4 * c, c)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (z.view(b, t, self.h, c // self.h).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") \
            else torch.softmax((q @ k.transpose(-2, -1) / math.sqrt(c // self.h)).masked_fill(
                torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1), float("-inf")), -1) @ v
        x = x + self.attn_proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))


class Gpt(nn.Module):
    def __init__(self, vocab, block, layers, heads, width):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, width), nn.Embedding(block, width)
        self.h = nn.ModuleList(Block(width, heads) for _ in range(layers))
        self.ln_f = nn.LayerNorm(width)
        self.lm_head = nn.Linear(width, vocab, bias=False)
        self.lm_head.weight = self.wte.weight

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1], device=idx.device))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


def gpt2(args):
    torch.manual_seed(0)
    vocab, block, layers, heads, width = (256, 64, 2, 2, 64) if args.smoke else (50304, 1024, 12, 12, 768)
    batch = 2 if args.smoke else 8
    model = Gpt(vocab, block, layers, heads, width).to(args.device)
    x = torch.randint(0, vocab, (batch, block), device=args.device)
    y = torch.randint(0, vocab, (batch, block), device=args.device)
    n = sum(p.numel() for p in model.parameters())
    flops_per_token = 6 * n + 12 * layers * heads * (width // heads) * block
    step = train_step(model, args, lambda: F.cross_entropy(model(x).flatten(0, 1), y.flatten()))
    return time_steps(args.device, step, 2 if args.smoke else 10, 5), batch * block, flops_per_token * batch * block


class LstmTextClassifier(nn.Module):
    def __init__(self, vocab, embedding, hidden):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embedding)
        self.lstm = nn.LSTM(embedding, hidden, batch_first=True)
        self.head = nn.Linear(hidden, 2)

    def forward(self, tokens):
        _, (h, _) = self.lstm(self.embedding(tokens))
        return self.head(h[-1])


def lstm(args):
    torch.manual_seed(0)
    batch, steps = (4, 16) if args.smoke else (256, 256)
    model = LstmTextClassifier(20000, 128, 256).to(args.device)
    x = torch.randint(0, 20000, (batch, steps), device=args.device)
    y = torch.randint(0, 2, (batch,), device=args.device)
    step = train_step(model, args, lambda: F.cross_entropy(model(x), y))
    return time_steps(args.device, step, 2 if args.smoke else 20, 5), batch, 0.0


# DCGAN as models/MLRoadmap.Models/Dcgan.cs builds it (PyTorch's example network for 64x64).
def dcgan_nets(channels, size, nz, gw, dw):
    ups = int(math.log2(size // 4))
    width = gw << (ups - 1)
    g = [nn.ConvTranspose2d(nz, width, 4, 1, 0, bias=False), nn.BatchNorm2d(width), nn.ReLU(True)]
    for _ in range(1, ups):
        g += [nn.ConvTranspose2d(width, width // 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width // 2), nn.ReLU(True)]
        width //= 2
    g += [nn.ConvTranspose2d(width, channels, 4, 2, 1, bias=False), nn.Tanh()]
    width = dw
    d = [nn.Conv2d(channels, width, 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    for _ in range(1, ups):
        d += [nn.Conv2d(width, width * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(width * 2), nn.LeakyReLU(0.2, True)]
        width *= 2
    d += [nn.Conv2d(width, 1, 4, 1, 0, bias=False), nn.Flatten(0)]
    return nn.Sequential(*g), nn.Sequential(*d)


def dcgan(args):
    torch.manual_seed(0)
    size, gw, dw, batch = (32, 8, 8, 4) if args.smoke else (64, 64, 64, 128)
    g, d = (m.to(args.device) for m in dcgan_nets(3, size, 100, gw, dw))
    fused = {"fused": True} if args.device.type == "cuda" and "fused" in torch.optim.Adam.__init__.__code__.co_varnames else {}
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999), **fused)
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999), **fused)
    real = torch.randn(batch, 3, size, size, device=args.device).tanh()
    ones, zeros = torch.ones(batch, device=args.device), torch.zeros(batch, device=args.device)
    bce = F.binary_cross_entropy_with_logits

    def iteration():
        z = torch.randn(batch, 100, 1, 1, device=args.device)
        opt_d.zero_grad(set_to_none=True)
        with autocast(args):
            fake = g(z)
            loss_d = bce(d(real), ones) + bce(d(fake.detach()), zeros)
        loss_d.backward()
        opt_d.step()
        opt_g.zero_grad(set_to_none=True)
        with autocast(args):
            loss_g = bce(d(fake), ones)
        loss_g.backward()
        opt_g.step()
    return time_steps(args.device, iteration, 2 if args.smoke else 20, 5), batch, 0.0


WORKLOADS = {"gemm": gemm, "resnet18": resnet, "gpt2": gpt2, "lstm": lstm, "dcgan": dcgan}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--device", default="cuda")
    p.add_argument("--precision", choices=["bf16", "fp32"], default="bf16")
    p.add_argument("--smoke", action="store_true")
    p.add_argument("--compile", action="store_true")
    p.add_argument("workloads", nargs="*", default=list(WORKLOADS))
    args = p.parse_args()
    args.device = torch.device(args.device)
    if args.compile and not hasattr(torch, "compile"):
        raise SystemExit(f"torch {torch.__version__} has no torch.compile")
    # Both sides run float32 matmuls and convolutions on TF32 tensor cores (the engine's default).
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cudnn.benchmark = True
    for w in args.workloads:
        samples, items, flops = WORKLOADS[w](args)
        print(json.dumps({"lang": "python-compile" if args.compile else "python", "workload": w, "unit": "ms_per_step",
                          "median": statistics.median(samples), "min": min(samples), "samples": samples,
                          "items_per_step": items, "flops_per_step": flops,
                          "device": torch.cuda.get_device_name(0) if args.device.type == "cuda" else "cpu",
                          "precision": args.precision, "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
