#!/usr/bin/python3
"""Test helper for PngWriteTests: decodes every *.png in a directory with PIL.

For each <name>.png: checks the file with Image.verify() (chunk CRCs and structure), then writes
<name>.raw = np.asarray(Image.open(path)).tobytes() (interleaved (H, W, C) bytes) and prints one line
"<name>.png <mode> <width> <height>".
"""

import os
import sys

import numpy as np
from PIL import Image

directory = sys.argv[1]
for name in sorted(os.listdir(directory)):
    if not name.endswith(".png"):
        continue
    path = os.path.join(directory, name)
    with Image.open(path) as im:
        im.verify()
    with Image.open(path) as im:
        im.load()
        with open(path[:-4] + ".raw", "wb") as f:
            f.write(np.asarray(im).tobytes())
        print(name, im.mode, im.size[0], im.size[1])
