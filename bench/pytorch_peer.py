#!/usr/bin/python3
"""PyTorch peer for Mentor's training-throughput benchmark.

Mentor trains on DJL; to tell whether its samples/s are reasonable we run the same
work in plain PyTorch and compare the two numbers side by side. This script mirrors
Mentor's models and training step as closely as PyTorch allows:

* data: Fashion-MNIST training set from the gzip IDX files, pixels / 255, then
  normalised with the scalar mean and std of the whole training set, held in one
  float32 tensor (N, 1, 28, 28) and sliced per batch by index (x[idx]);
* models: ModelZoo's ``cnn`` (two conv3x3[no bias] + BatchNorm + ReLU + maxpool2
  stages of 32 and 64 channels, then flatten + Linear(128) + ReLU, head Linear(10))
  and ``mlp`` (flatten + Linear(256) + ReLU + Linear(128) + ReLU, head Linear(10));
* step (as Trainer.trainEpoch): per-epoch shuffle with a fixed seed, a partial last
  batch per epoch, forward, mean cross-entropy, the loss read every step, backward,
  Adam(lr=1e-3), and batch accuracy from argmax;
* modes: ``full`` trains everything; ``linear-probe`` freezes the backbone (eval mode,
  so BatchNorm uses running statistics, forward under no_grad) and trains only the head.

After an untimed warm-up of --warmup samples it times --samples samples (rounded up
to whole batches, wrapping around epochs) and prints one JSON line to stdout.
Run it with Debian's /usr/bin/python3 (python3-torch).
"""
import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path, magic, dims):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    header = np.frombuffer(raw, dtype=">u4", count=1 + dims)
    if header[0] != magic:
        raise ValueError(f"{path}: magic {header[0]}, expected {magic}")
    shape = tuple(int(d) for d in header[1:])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 * (1 + dims)).reshape(shape)


def load_fashion_mnist(directory):
    images_path = os.path.join(directory, "train-images-idx3-ubyte.gz")
    labels_path = os.path.join(directory, "train-labels-idx1-ubyte.gz")
    missing = [p for p in (images_path, labels_path) if not os.path.isfile(p)]
    if missing:
        sys.exit("pytorch_peer: missing Fashion-MNIST file(s): " + ", ".join(missing)
                 + " (pass the directory holding them with --data)")
    images = read_idx(images_path, 2051, 3).astype(np.float32) / 255.0
    labels = read_idx(labels_path, 2049, 1).astype(np.int64)
    if len(images) != len(labels):
        sys.exit(f"pytorch_peer: {len(images)} images but {len(labels)} labels")
    images = (images - images.mean()) / images.std()
    x = torch.from_numpy(np.ascontiguousarray(images, dtype=np.float32)).unsqueeze(1)
    return x, torch.from_numpy(labels)


def build(model):
    if model == "cnn":
        def conv_stage(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                                 nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))
        backbone = nn.Sequential(conv_stage(1, 32), conv_stage(32, 64),
                                 nn.Sequential(nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU()))
    else:
        backbone = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(),
                                 nn.Linear(256, 128), nn.ReLU())
    return backbone, nn.Linear(128, 10)


def batches(n, batch, seed):
    """Endless index batches: a fresh seeded permutation per epoch, partial last batch kept."""
    epoch = 0
    while True:
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1000003 + epoch))
        for start in range(0, n, batch):
            yield order[start:start + batch]
        epoch += 1


def blas_info():
    """The BLAS library this process loaded, and OpenBLAS's kernel when it is OpenBLAS.

    Debian's torch is built against the generic libblas.so.3 (its BLAS_INFO says "generic"),
    which the alternatives system points at OpenBLAS or at the slow reference BLAS.
    """
    library = "unknown"
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                if "libblas" in path or "libopenblas" in path:
                    library = os.path.realpath(path)
                    break
    except OSError:
        pass
    kind = ("openblas" if "openblas" in library else "reference BLAS (libblas3)" if "/blas/" in library
            else "unknown")
    if kind == "openblas":
        try:
            import ctypes
            lib = ctypes.CDLL(library)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            kind += " " + lib.openblas_get_corename().decode()
        except (OSError, AttributeError):
            pass
    return kind


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
    p.add_argument("--mode", choices=["full", "linear-probe"], default="full")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--samples", type=int, default=8192)
    p.add_argument("--warmup", type=int, default=1024)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a = p.parse_args()
    if a.threads < 1 or a.batch < 1 or a.samples < 1 or a.warmup < 0:
        p.error("--threads, --batch and --samples must be positive, --warmup non-negative")

    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass  # can be set only once per process
    torch.manual_seed(a.seed)

    x, y = load_fashion_mnist(a.data)
    backbone, head = build(a.model)
    probe = a.mode == "linear-probe"
    if probe:
        backbone.requires_grad_(False)
        backbone.eval()
        params = list(head.parameters())
    else:
        backbone.train()
        params = list(backbone.parameters()) + list(head.parameters())
    head.train()
    optimizer = torch.optim.Adam(params, lr=1e-3)
    stream = batches(len(x), a.batch, a.seed)
    correct = torch.zeros((), dtype=torch.long)

    def train(samples):
        nonlocal correct
        done = 0
        while done < samples:
            idx = next(stream)
            xb, yb = x[idx], y[idx]
            if probe:
                with torch.no_grad():
                    features = backbone(xb)
            else:
                features = backbone(xb)
            logits = head(features)
            loss = F.cross_entropy(logits, yb)
            loss_value = loss.item()  # Mentor reads the loss every step
            if not math.isfinite(loss_value):
                sys.exit(f"pytorch_peer: loss became {loss_value}")
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            with torch.no_grad():
                correct += (logits.argmax(1) == yb).sum()
            done += len(idx)
        return done

    train(a.warmup)
    start = time.perf_counter()
    timed = train(a.samples)
    seconds = time.perf_counter() - start
    print(json.dumps({
        "impl": "pytorch", "torch": torch.__version__, "model": a.model, "mode": a.mode,
        "threads": a.threads, "batch": a.batch, "samples": timed,
        "seconds": round(seconds, 4), "samples_per_second": round(timed / seconds, 1),
        "blas": blas_info(),
    }))


if __name__ == "__main__":
    main()
