#!/usr/bin/env python3
"""The Python baseline for occlusion4j's benchmarks: the standard batched occlusion loop in PyTorch.

Written for occlusion4j. It follows Captum's semantics (DESIGN section 3): window positions k*s for
k = 0..ceil((D-w)/s) per spatial axis, the last window cropped at the edge, all channels occluded
jointly with a constant fill, delta = score(x) - score(x with the window filled), the pixel map the
mean of the deltas of the windows covering each element. Like Captum's perturbations_per_eval, it
builds each batch of occluded copies on the host (clone + fill), then runs the network on the batch.

Subcommands:
  export  --workload W --dir D       writes D/model.onnx (opset 13, dynamic batch) and D/input.npy
  run     --workload W --dir D --reps N --out-prefix P
                                     times N occlusion runs (after one warm-up) on the exported
                                     network's PyTorch original; writes P.grid.npy, P.pixel.npy, P.json
"""
import argparse
import inspect
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torchvision

WORKLOADS = {
    # name: (architecture, input shape [C, H, W], window, stride, threads, device)
    "cpu-small": ("resnet18", (3, 224, 224), (32, 32), (16, 16), 2, "cpu"),
    # issue 17's incremental-inference workloads (bench/incremental_torch.sh)
    "cpu-vgg16": ("vgg16", (3, 224, 224), (16, 16), (16, 16), 2, "cpu"),
    "cpu-resnet50": ("resnet50", (3, 224, 224), (16, 16), (8, 8), 2, "cpu"),
    "gpu-std": ("resnet50", (3, 224, 224), (16, 16), (4, 4), 0, "cuda"),
    "gpu-large": ("resnet50", (3, 1024, 1024), (64, 64), (32, 32), 0, "cuda"),
}


def torchscript_exporter():
    """torch.onnx.export's options for the TorchScript exporter. Since PyTorch 2.9 the default is the dynamo
    exporter, which needs onnxscript (absent on the device machines); torch before 2.5 has no such option."""
    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def build_model(arch, seed):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, arch)(weights=None) if hasattr(torchvision.models, "get_model") \
        else getattr(torchvision.models, arch)(pretrained=False)
    # Seeded BatchNorm statistics, so folding them is not a no-op.
    g = torch.Generator().manual_seed(seed + 1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.rand(m.num_features, generator=g) * 0.2 - 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) * 0.5 + 0.75)
    return model.eval()


def starts(size, window, stride):
    return [k * stride for k in range(math.ceil((size - window) / stride) + 1)]


def occlusion(model, x, window, stride, batch, device, target=None):
    """Grid map and pixel map of the target (argmax of the unoccluded output by default)."""
    c, h, w = x.shape
    ys = starts(h, window[0], stride[0])
    xs = starts(w, window[1], stride[1])
    positions = [(y, z) for y in ys for z in xs]
    xd = x.to(device)
    with torch.inference_mode():
        base = model(xd.unsqueeze(0))[0]
        if target is None:
            target = int(torch.argmax(base).item())
        base_score = base[target].item()
        deltas = torch.empty(len(positions))
        for first in range(0, len(positions), batch):
            chunk = positions[first:first + batch]
            variants = xd.unsqueeze(0).repeat(len(chunk), 1, 1, 1)
            for i, (y, z) in enumerate(chunk):
                variants[i, :, y:y + window[0], z:z + window[1]] = 0.0
            out = model(variants)[:, target]
            deltas[first:first + len(chunk)] = base_score - out.float().cpu()
        if device == "cuda":
            torch.cuda.synchronize()
    grid = deltas.reshape(len(ys), len(xs)).numpy()
    total = np.zeros((h, w), dtype=np.float64)
    count = np.zeros((h, w), dtype=np.float64)
    for (y, z), d in zip(positions, deltas.numpy()):
        total[y:y + window[0], z:z + window[1]] += d
        count[y:y + window[0], z:z + window[1]] += 1
    pixel = np.where(count > 0, total / np.maximum(count, 1), 0.0).astype(np.float32)
    return target, base_score, grid.astype(np.float32), pixel, len(positions)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["export", "run"])
    p.add_argument("--workload", default="cpu-small", choices=sorted(WORKLOADS))
    p.add_argument("--dir", required=True)
    p.add_argument("--reps", type=int, default=1)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out-prefix")
    p.add_argument("--precision", default="default", choices=["default", "fp32", "tf32", "fp16"],
                   help="run: default keeps torch's TF32 settings; fp32/tf32 set both TF32 switches; fp16 runs .half()")
    a = p.parse_args()
    arch, shape, window, stride, threads, device = WORKLOADS[a.workload]
    if threads:
        torch.set_num_threads(threads)
    model = build_model(arch, a.seed)
    os.makedirs(a.dir, exist_ok=True)
    if a.command == "export":
        rng = np.random.default_rng(a.seed)
        x = rng.random(shape, dtype=np.float32)
        np.save(os.path.join(a.dir, "input.npy"), x)
        dummy = torch.from_numpy(x).unsqueeze(0)
        torch.onnx.export(model, dummy, os.path.join(a.dir, "model.onnx"), opset_version=13,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}}, **torchscript_exporter())
        print(json.dumps({"exported": os.path.join(a.dir, "model.onnx"), "torch": torch.__version__}))
        return
    if device == "cuda" and not torch.cuda.is_available():
        sys.exit("workload %s needs CUDA, which this torch does not see" % a.workload)
    if a.precision in ("fp32", "tf32"):
        torch.backends.cuda.matmul.allow_tf32 = a.precision == "tf32"
        torch.backends.cudnn.allow_tf32 = a.precision == "tf32"
    model = model.to(device)
    x = torch.from_numpy(np.load(os.path.join(a.dir, "input.npy")))
    if a.precision == "fp16":
        model = model.half()
        x = x.half()
    if device == "cpu":
        with torch.inference_mode():  # warm-up: one batch of the timed size (a whole extra sweep costs minutes on CPU)
            model(x.unsqueeze(0).repeat(a.batch, 1, 1, 1))
    else:
        occlusion(model, x, window, stride, a.batch, device)  # warm-up (cuDNN's algorithm search included)
    seconds = []
    for _ in range(a.reps):
        t0 = time.perf_counter()
        target, base, grid, pixel, n = occlusion(model, x, window, stride, a.batch, device)
        seconds.append(time.perf_counter() - t0)
    prefix = a.out_prefix or os.path.join(a.dir, "python")
    np.save(prefix + ".grid.npy", grid)
    np.save(prefix + ".pixel.npy", pixel)
    result = {"target": target, "base_score": base, "variants": n, "seconds": seconds,
              "variants_per_s": [n / s for s in seconds], "batch": a.batch, "threads": torch.get_num_threads(),
              "torch": torch.__version__, "device": device,
              "precision": a.precision}
    with open(prefix + ".json", "w") as f:
        json.dump(result, f)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
