"""Writes Fashion-MNIST classes as an image folder transfer-resnet reads (README: "fine-tuning on an image folder").

  /usr/bin/python3 recipes/transfer-resnet/fashion_folder.py OUT [--classes 0,1,2,3,4] [--train 50] [--val 100]

OUT/train/CLASS/*.png holds --train training images of each class, OUT/val/CLASS/ the next --val, OUT/test/CLASS/ every
test image of the class; the training images are drawn by a fixed seed (numpy's default_rng(0)). Needs numpy and PIL.
"""
import argparse
import gzip
import os

import numpy as np
from PIL import Image

NAMES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def idx(directory, name):
    with gzip.open(os.path.join(directory, name + ".gz")) as f:
        data = f.read()
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(data[3])]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * len(dims)).reshape(dims)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out")
    parser.add_argument("--classes", default="0,1,2,3,4")
    parser.add_argument("--train", type=int, default=50)
    parser.add_argument("--val", type=int, default=100)
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    args = parser.parse_args()
    images, labels = idx(args.data, "train-images-idx3-ubyte"), idx(args.data, "train-labels-idx1-ubyte")
    test_images, test_labels = idx(args.data, "t10k-images-idx3-ubyte"), idx(args.data, "t10k-labels-idx1-ubyte")
    rng = np.random.default_rng(0)
    for c in (int(v) for v in args.classes.split(",")):
        rows = np.flatnonzero(labels == c)
        rng.shuffle(rows)
        splits = {"train": (images, rows[:args.train]), "val": (images, rows[args.train:args.train + args.val]),
                  "test": (test_images, np.flatnonzero(test_labels == c))}
        for split, (source, selected) in splits.items():
            folder = os.path.join(args.out, split, NAMES[c])
            os.makedirs(folder, exist_ok=True)
            for i in selected:
                Image.fromarray(source[i]).save(os.path.join(folder, f"{i:05d}.png"))


if __name__ == "__main__":
    main()
