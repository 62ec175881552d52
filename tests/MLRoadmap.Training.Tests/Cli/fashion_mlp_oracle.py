"""PyTorch oracle for the fashion-mlp CLI tests: evaluates a checkpoint written by `mlroadmap train fashion-mlp`.

Usage: fashion_mlp_oracle.py CHECKPOINT_DIR DATA_DIR LIMIT N_PREDICT

Builds the recipe's MLP as a torch.nn.Sequential from the checkpoint's own config (trainer_state.json), loads
model.safetensors into it with load_state_dict (strict: PyTorch's key names), normalises pixels with the mean and
standard deviation of the 60,000 training images computed here with numpy, and prints one JSON object: the test
loss and accuracy over the first LIMIT test images, and the class probabilities of the first N_PREDICT.
"""

import gzip
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "torch"))
import safetensors_io  # noqa: E402


def read_idx(path, limit=None):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    items = dims[0] if limit is None else min(dims[0], limit)
    per_item = int(np.prod(dims[1:])) if ndim > 1 else 1
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim, count=items * per_item)
    return body.reshape([items] + dims[1:])


def main():
    checkpoint, data_dir, limit, n_predict = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(os.path.join(checkpoint, "trainer_state.json")) as f:
        model_config = json.load(f)["config"]["model"]
    layers, width = [], 28 * 28
    for _ in range(model_config["layers"]):
        layers += [torch.nn.Linear(width, model_config["hidden"]), torch.nn.ReLU()]
        if model_config["dropout"] > 0:
            layers.append(torch.nn.Dropout(model_config["dropout"]))
        width = model_config["hidden"]
    layers.append(torch.nn.Linear(width, 10))
    net = torch.nn.Sequential(*layers)
    tensors, _ = safetensors_io.read_safetensors(os.path.join(checkpoint, "model.safetensors"))
    net.load_state_dict({k[len("net."):]: v for k, v in tensors.items()}, strict=True)
    net.eval()

    train = read_idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz")).astype(np.float64) / 255.0
    mean, std = train.mean(), train.std()
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), limit).reshape(-1, 28 * 28)
    labels = torch.from_numpy(read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), limit).astype(np.int64))
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - mean) / std
    with torch.no_grad():
        logits = net(x.float())
    print(json.dumps({
        "test_acc": float((logits.argmax(1) == labels).double().mean()),
        "test_loss": float(torch.nn.functional.cross_entropy(logits, labels)),
        "probs": logits[:n_predict].softmax(-1).tolist(),
    }))


if __name__ == "__main__":
    main()
