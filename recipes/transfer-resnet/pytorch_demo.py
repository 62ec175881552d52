"""
pytorch_demo.py -- independent PyTorch replication of MLRoadmap's `transfer-resnet` demo.

What it does (one invocation = one protocol):
  1. Pretrain a torchvision-style ResNet-18 (BasicBlock [2,2,2,2], base width W, 1 input channel)
     on ALL training images of the "pretrain" classes (default 0-4) of Fashion-MNIST.
     Default: AdamW wd 0.01, OneCycleLR (cos, pct 0.3, div 25, final_div 1e4) peak 3e-3, batch 128,
     3 epochs, CE. Augmentation: random crop 28 pad 2 (background pad) + horizontal flip.
     The pretrained weights are cached in $ORACLE_OUT/ckpt/<key>.pt.
  2. Fine-tune data: the "target" classes (default 5-9) relabelled 0..4; 50 train / 100 val images per
     class drawn with a FIXED seed (same for every run), test = all 5000 test images of those classes.
     Pick the epoch with best val acc, report its test acc.
  3. Fine-tuned arm (--ft fastai): new fc; 4 epochs backbone frozen except BN (BN stats update too),
     head+BN at peak 1e-2 with own one-cycle; then all unfrozen 10 epochs with own one-cycle, per-group peaks
     geometric from stem 5e-4 to head 5e-3 over groups (conv1+bn1, layer1..4, fc). AdamW wd 0.01, batch 32.
     (--ft plain: everything trained 14 epochs one-cycle at a single peak lr --ft_lr.)
  4. Scratch arm: same model, random init, all layers one rate, 14 epochs one-cycle, peaks in --scratch_lrs;
     the best LR is chosen by mean VALIDATION accuracy (honest), test of that LR reported.
  5. 3 fine-tuning seeds per arm. Appends a JSON line to $ORACLE_OUT/results.jsonl.

Usage: /usr/bin/python3 transfer.py --name base [--pre 0,1,2,3,4 --tgt 5,6,7,8,9 --stem tv|small --width 16
        --pre_opt adamw|sgd --pre_epochs 3 --pre_lr 3e-3 --pre_aug basic|strong --ft fastai|plain]
Single-threaded by design (torch.set_num_threads(1)).
"""
import argparse, gzip, json, math, os, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.resnet import ResNet, BasicBlock

torch.set_num_threads(1)
D = '/usr/share/datasets/fashion-mnist'
MEAN, STD = 0.2860406, 0.3530242
OUT = os.environ.get('ORACLE_OUT', '/tmp/transfer-oracle')   # pretrained backbones (ckpt/) and results.jsonl


def load(prefix):
    with gzip.open(f'{D}/{prefix}-images-idx3-ubyte.gz') as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(f'{D}/{prefix}-labels-idx1-ubyte.gz') as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    x = (torch.from_numpy(x.astype(np.float32) / 255.) - MEAN) / STD
    return x, torch.from_numpy(y.astype(np.int64))


BG = (0. - MEAN) / STD  # value of a zero (black) pixel after normalisation


def augment(x, strong=False):
    n = x.shape[0]
    p = 2
    xp = F.pad(x, (p, p, p, p), value=BG)
    ox = torch.randint(0, 2 * p + 1, (n,))
    oy = torch.randint(0, 2 * p + 1, (n,))
    ar = torch.arange(28)
    rows = (oy[:, None] + ar[None]).view(n, 1, 28, 1).expand(n, 1, 28, 28)
    cols = (ox[:, None] + ar[None]).view(n, 1, 1, 28).expand(n, 1, 28, 28)
    out = xp[torch.arange(n)[:, None, None], 0, rows[:, 0], cols[:, 0]].unsqueeze(1)
    flip = torch.rand(n) < 0.5
    out = torch.where(flip[:, None, None, None], out.flip(3), out)
    if strong:  # random erasing (cutout-style) 8x8-ish patches with p=0.5
        for i in range(n):
            if torch.rand(1).item() < 0.5:
                h = int(torch.randint(4, 13, (1,)))
                w = int(torch.randint(4, 13, (1,)))
                r = int(torch.randint(0, 28 - h + 1, (1,)))
                c = int(torch.randint(0, 28 - w + 1, (1,)))
                out[i, :, r:r + h, c:c + w] = BG
    return out


def make_model(width=16, stem='tv', ncls=5):
    class Net(ResNet):
        def __init__(self):
            self_w = width
            super().__init__(BasicBlock, [2, 2, 2, 2], num_classes=ncls)
            # rebuild with base width
            self.inplanes = self_w
            if stem == 'tv':
                self.conv1 = nn.Conv2d(1, self_w, 7, 2, 3, bias=False)
            else:
                self.conv1 = nn.Conv2d(1, self_w, 3, 1, 1, bias=False)
                self.maxpool = nn.Identity()
            self.bn1 = nn.BatchNorm2d(self_w)
            self.layer1 = self._make_layer(BasicBlock, self_w, 2)
            self.layer2 = self._make_layer(BasicBlock, self_w * 2, 2, stride=2)
            self.layer3 = self._make_layer(BasicBlock, self_w * 4, 2, stride=2)
            self.layer4 = self._make_layer(BasicBlock, self_w * 8, 2, stride=2)
            self.fc = nn.Linear(self_w * 8, ncls)
            for m in self.modules():
                if isinstance(m, nn.Conv2d):
                    nn.init.kaiming_normal_(m.weight, mode='fan_out', nonlinearity='relu')
                elif isinstance(m, nn.BatchNorm2d):
                    nn.init.constant_(m.weight, 1); nn.init.constant_(m.bias, 0)
    return Net()


@torch.no_grad()
def evaluate(model, x, y, bs=1000):
    model.eval()
    c = 0
    for i in range(0, len(x), bs):
        c += (model(x[i:i + bs]).argmax(1) == y[i:i + bs]).sum().item()
    return c / len(x)


def onecycle(opt, max_lr, steps):
    return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=steps, pct_start=0.3,
                                               anneal_strategy='cos', div_factor=25, final_div_factor=1e4)


def pretrain(a, xtr, ytr, xte, yte):
    key = f'{a.stem}_w{a.width}_{a.pre_opt}_e{a.pre_epochs}_lr{a.pre_lr}_{a.pre_aug}_pre{a.pre.replace(",", "")}'
    path = f'{OUT}/ckpt/{key}.pt'
    os.makedirs(f'{OUT}/ckpt', exist_ok=True)
    if os.path.exists(path):
        d = torch.load(path)
        print(f'[pretrain] cached {key}: test acc {d["acc"]:.4f}', flush=True)
        return d['state'], d['acc'], d['time']
    torch.manual_seed(1234)
    model = make_model(a.width, a.stem, len(a.pre_cls))
    bs = 128
    steps_per = math.ceil(len(xtr) / bs)
    if a.pre_opt == 'adamw':
        opt = torch.optim.AdamW(model.parameters(), lr=a.pre_lr, weight_decay=0.01)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=a.pre_lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sch = onecycle(opt, a.pre_lr, steps_per * a.pre_epochs)
    t0 = time.time()
    for ep in range(a.pre_epochs):
        model.train()
        perm = torch.randperm(len(xtr))
        for i in range(steps_per):
            idx = perm[i * bs:(i + 1) * bs]
            xb = augment(xtr[idx], a.pre_aug == 'strong')
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad(); loss.backward(); opt.step(); sch.step()
        acc = evaluate(model, xte, yte)
        print(f'[pretrain] ep {ep} loss {loss.item():.3f} test {acc:.4f} t {time.time() - t0:.0f}s', flush=True)
    dt = time.time() - t0
    torch.save({'state': model.state_dict(), 'acc': acc, 'time': dt}, path)
    return model.state_dict(), acc, dt


def spe(x, bs=32):
    return math.ceil(len(x) / bs)


def groups_of(model):
    return [list(model.conv1.parameters()) + list(model.bn1.parameters()),
            list(model.layer1.parameters()), list(model.layer2.parameters()),
            list(model.layer3.parameters()), list(model.layer4.parameters()), list(model.fc.parameters())]


def train_epochs(model, opt, sch, epochs, x, y, xv, yv, xt, yt, gen, hist, bs=32):
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        for i in range(0, len(x), bs):
            idx = perm[i:i + bs]
            loss = F.cross_entropy(model(augment(x[idx])), y[idx])
            opt.zero_grad(); loss.backward(); opt.step(); sch.step()
        v = evaluate(model, xv, yv)
        # test acc only needed at a new best-val epoch (first max wins, same as pick())
        if not hist or v > max(h[0] for h in hist):
            hist.append((v, evaluate(model, xt, yt)))
        else:
            hist.append((v, float('nan')))


def pick(hist):
    best = max(range(len(hist)), key=lambda i: (hist[i][0], -i))  # first epoch with max val
    return hist[best][0], hist[best][1], best


def finetune(a, state, seed, data):
    x, y, xv, yv, xt, yt = data
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make_model(a.width, a.stem, len(a.pre_cls))
    model.load_state_dict(state)
    model.fc = nn.Linear(model.fc.in_features, 5)  # new head (default nn.Linear init)
    hist = []
    if a.ft == 'fastai':
        for p in model.parameters():
            p.requires_grad_(False)
        bn = [p for m in model.modules() if isinstance(m, nn.BatchNorm2d) for p in m.parameters()]
        train = bn + list(model.fc.parameters())
        for p in train:
            p.requires_grad_(True)
        opt = torch.optim.AdamW(train, lr=a.head_lr, weight_decay=0.01)
        sch = onecycle(opt, a.head_lr, 4 * spe(x))
        train_epochs(model, opt, sch, 4, x, y, xv, yv, xt, yt, gen, hist)
        for p in model.parameters():
            p.requires_grad_(True)
        g = groups_of(model)
        lrs = [a.stem_lr * (a.top_lr / a.stem_lr) ** (i / (len(g) - 1)) for i in range(len(g))]
        opt = torch.optim.AdamW([{'params': p, 'lr': l} for p, l in zip(g, lrs)], weight_decay=0.01)
        sch = onecycle(opt, lrs, 10 * spe(x))
        train_epochs(model, opt, sch, 10, x, y, xv, yv, xt, yt, gen, hist)
    else:  # plain: everything, one rate
        opt = torch.optim.AdamW(model.parameters(), lr=a.ft_lr, weight_decay=0.01)
        sch = onecycle(opt, a.ft_lr, 14 * spe(x))
        train_epochs(model, opt, sch, 14, x, y, xv, yv, xt, yt, gen, hist)
    return pick(hist), hist


def scratch(a, lr, seed, data):
    x, y, xv, yv, xt, yt = data
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = make_model(a.width, a.stem, 5)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sch = onecycle(opt, lr, 14 * spe(x))
    hist = []
    train_epochs(model, opt, sch, 14, x, y, xv, yv, xt, yt, gen, hist)
    return pick(hist), hist


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--name', required=True)
    ap.add_argument('--pre', default='0,1,2,3,4')
    ap.add_argument('--tgt', default='5,6,7,8,9')
    ap.add_argument('--stem', default='tv')
    ap.add_argument('--width', type=int, default=16)
    ap.add_argument('--pre_opt', default='adamw')
    ap.add_argument('--pre_epochs', type=int, default=3)
    ap.add_argument('--pre_lr', type=float, default=3e-3)
    ap.add_argument('--pre_aug', default='basic')
    ap.add_argument('--ft', default='fastai')
    ap.add_argument('--ft_lr', type=float, default=1e-3)
    ap.add_argument('--head_lr', type=float, default=1e-2)
    ap.add_argument('--top_lr', type=float, default=5e-3)
    ap.add_argument('--stem_lr', type=float, default=5e-4)
    ap.add_argument('--scratch_lrs', default='5e-3,1e-2,2e-2')
    ap.add_argument('--skip_scratch', action='store_true')
    ap.add_argument('--seeds', default='0,1,2')
    ap.add_argument('--nper', type=int, default=50)
    a = ap.parse_args()
    a.pre_cls = [int(c) for c in a.pre.split(',')]
    a.tgt_cls = [int(c) for c in a.tgt.split(',')]
    T0 = time.time()
    Xtr, Ytr = load('train'); Xte, Yte = load('t10k')

    def subset(X, Y, cls):
        m = torch.zeros_like(Y, dtype=torch.bool)
        lab = torch.full_like(Y, -1)
        for j, c in enumerate(cls):
            m |= Y == c; lab[Y == c] = j
        return X[m], lab[m]

    pxtr, pytr = subset(Xtr, Ytr, a.pre_cls)
    pxte, pyte = subset(Xte, Yte, a.pre_cls)
    state, pre_acc, pre_t = pretrain(a, pxtr, pytr, pxte, pyte)

    # fixed fine-tune subset (seed 20240 independent of run seeds)
    rng = np.random.RandomState(20240)
    tr, va = [], []
    for c in a.tgt_cls:
        idx = np.where(Ytr.numpy() == c)[0]
        rng.shuffle(idx)
        tr += list(idx[:a.nper]); va += list(idx[a.nper:a.nper + 100])
    remap = {c: j for j, c in enumerate(a.tgt_cls)}
    lab = lambda ids: torch.tensor([remap[int(Ytr[i])] for i in ids])
    x, y = Xtr[tr], lab(tr)
    xv, yv = Xtr[va], lab(va)
    xt, yt = subset(Xte, Yte, a.tgt_cls)
    data = (x, y, xv, yv, xt, yt)
    seeds = [int(s) for s in a.seeds.split(',')]

    t1 = time.time()
    ft = []
    for s in seeds:
        (v, t, ep), h = finetune(a, state, s, data)
        ft.append({'seed': s, 'val': v, 'test': t, 'epoch': ep})
        print(f'[ft] seed {s} best ep {ep} val {v:.4f} test {t:.4f}', flush=True)
    ft_t = time.time() - t1
    t1 = time.time()
    sc = {}
    if not a.skip_scratch:
        for lr in [float(l) for l in a.scratch_lrs.split(',')]:
            sc[lr] = []
            for s in seeds:
                (v, t, ep), h = scratch(a, lr, s, data)
                sc[lr].append({'seed': s, 'val': v, 'test': t, 'epoch': ep})
                print(f'[scratch lr {lr}] seed {s} best ep {ep} val {v:.4f} test {t:.4f}', flush=True)
    sc_t = time.time() - t1
    m = lambda rs, k: float(np.mean([r[k] for r in rs]))
    res = {'name': a.name, 'args': {k: v for k, v in vars(a).items()}, 'pre_acc': pre_acc, 'pre_time': pre_t,
           'ft': ft, 'ft_test_mean': m(ft, 'test'), 'ft_val_mean': m(ft, 'val'), 'ft_time': ft_t,
           'scratch': {str(k): v for k, v in sc.items()}, 'scratch_time': sc_t, 'total_time': time.time() - T0}
    print(f'== {a.name}: pretrain acc {pre_acc:.4f} ({pre_t:.0f}s); ft test mean {res["ft_test_mean"]:.4f} '
          f'{[round(r["test"], 4) for r in ft]}')
    if sc:
        best_lr = max(sc, key=lambda k: m(sc[k], 'val'))
        res['scratch_best_lr'] = best_lr
        res['scratch_test_mean'] = m(sc[best_lr], 'test')
        res['gap'] = res['ft_test_mean'] - res['scratch_test_mean']
        for k in sc:
            print(f'   scratch lr {k}: val {m(sc[k], "val"):.4f} test {m(sc[k], "test"):.4f} '
                  f'{[round(r["test"], 4) for r in sc[k]]}')
        print(f'   best-by-val scratch lr {best_lr}: test {res["scratch_test_mean"]:.4f}; GAP {100 * res["gap"]:+.2f} pts')
    print(f'   total {res["total_time"]:.0f}s')
    with open(f'{OUT}/results.jsonl', 'a') as f:
        f.write(json.dumps(res) + '\n')


if __name__ == '__main__':
    main()
