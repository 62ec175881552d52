"""Oracles for transfer-resnet's tests (run with /usr/bin/python3: torch 1.13, torchvision 0.14).

  transfer_resnet_fixtures.py schedule        rewrites transfer_resnet_schedule.json beside this script: the learning
                                              rates of every parameter group at every step of fine_tune's schedule,
                                              computed by PyTorch's OneCycleLR (one per phase, cosine, no momentum
                                              cycling), which FineTuneSchedule must reproduce.
  transfer_resnet_fixtures.py pth OUT.pth     writes torchvision's resnet18 (weights as torch.manual_seed(0) draws
                                              them, 3 input channels, 1000 classes) with torch.save, as torchvision's
                                              downloads are; the tests make it when they run (45 MB, not committed).
"""
import json
import os
import sys

import torch

CASES = [
    # 6 groups (stem, layer1-4, head) as the recipe makes them: frozen phase at lr for all, then lr/2 over 100 → 1.
    {"frozen": 6, "total": 20, "pct_start": 0.3, "div": 25.0, "final_div": 1e4,
     "frozen_max_lrs": [2e-3] * 6, "max_lrs": [1e-3 / 100 ** ((5 - g) / 5) for g in range(6)]},
    # the demo's shape: 2 frozen epochs of 8 steps, then 10 epochs
    {"frozen": 16, "total": 96, "pct_start": 0.3, "div": 25.0, "final_div": 1e4,
     "frozen_max_lrs": [2e-3] * 6, "max_lrs": [1e-3 / 100 ** ((5 - g) / 5) for g in range(6)]},
    # from scratch: no frozen phase, one rate; and a short phase whose warmup ends before step 1
    {"frozen": 0, "total": 12, "pct_start": 0.25, "div": 10.0, "final_div": 100.0,
     "frozen_max_lrs": [3e-3] * 2, "max_lrs": [3e-3] * 2},
    {"frozen": 3, "total": 9, "pct_start": 0.3, "div": 25.0, "final_div": 1e4,
     "frozen_max_lrs": [1e-2, 1e-2], "max_lrs": [1e-4, 1e-2]},
]


def phase(max_lrs, steps, case):
    """The rates of each group at steps 0..steps-1 of a OneCycleLR over `steps` steps."""
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in max_lrs]
    opt = torch.optim.AdamW([{"params": [p]} for p in params], lr=1.0)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lrs, total_steps=steps, pct_start=case["pct_start"],
                                                anneal_strategy="cos", cycle_momentum=False, div_factor=case["div"],
                                                final_div_factor=case["final_div"])
    rates = []
    for _ in range(steps):
        rates.append([g["lr"] for g in opt.param_groups])
        opt.step()
        sched.step()
    return rates


def schedule():
    for case in CASES:
        rates = []
        if case["frozen"] > 0:
            rates += phase(case["frozen_max_lrs"], case["frozen"], case)
        rates += phase(case["max_lrs"], case["total"] - case["frozen"], case)
        case["rates"] = rates
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transfer_resnet_schedule.json")
    with open(out, "w") as f:
        json.dump({"torch": torch.__version__, "cases": CASES}, f)
        f.write("\n")


def pth(out):
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    torch.save(model.state_dict(), out)


if __name__ == "__main__":
    if sys.argv[1:2] == ["schedule"]:
        schedule()
    elif sys.argv[1:2] == ["pth"] and len(sys.argv) == 3:
        pth(sys.argv[2])
    else:
        sys.exit(__doc__)
