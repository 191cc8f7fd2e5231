#!/usr/bin/env python3
"""PyTorch eager inference throughput (images/s) of a workload's network at one batch, per precision.

Written for occlusion4j's gpu-std comparison: the same seeded network as occlusion_baseline.py, timed with
CUDA events after a warm-up. Precisions: fp32 (TF32 off for matmul and cuDNN), tf32 (TF32 on for both),
fp16 (model and input .half()). Prints one JSON object and writes it to --json when given.
"""
import argparse
import json
import sys


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default="gpu-std", help="a workload of occlusion_baseline.py (default gpu-std)")
    p.add_argument("--batch", type=int, default=256, help="images per forward (default 256)")
    p.add_argument("--iters", type=int, default=20, help="timed forwards per precision (default 20)")
    p.add_argument("--warmup", type=int, default=5, help="untimed forwards first (default 5)")
    p.add_argument("--precisions", default="fp32,tf32,fp16", help="comma-separated subset of fp32,tf32,fp16")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json", help="also write the result here")
    a = p.parse_args(argv)
    precisions = [s.strip().lower() for s in a.precisions.split(",") if s.strip()]
    bad = [s for s in precisions if s not in ("fp32", "tf32", "fp16")]
    if bad or a.batch < 1 or a.iters < 1 or a.warmup < 0:
        p.error("bad arguments: precisions %s, batch %d, iters %d, warmup %d" % (bad, a.batch, a.iters, a.warmup))
    import torch
    import occlusion_baseline as ob
    if a.workload not in ob.WORKLOADS:
        p.error("unknown workload %s" % a.workload)
    if not torch.cuda.is_available():
        sys.exit("torch_throughput: CUDA is not available to this torch (%s)" % torch.__version__)
    arch, shape, _, _, _, _ = ob.WORKLOADS[a.workload]
    result = {"workload": a.workload, "batch": a.batch, "iters": a.iters, "torch": torch.__version__,
              "device": torch.cuda.get_device_name(0), "images_per_s": {}, "ms_per_forward": {}}
    base = ob.build_model(arch, a.seed).cuda()
    x32 = torch.rand((a.batch,) + tuple(shape), generator=torch.Generator().manual_seed(a.seed)).cuda()
    for prec in precisions:
        torch.backends.cuda.matmul.allow_tf32 = prec == "tf32"
        torch.backends.cudnn.allow_tf32 = prec == "tf32"
        torch.backends.cudnn.benchmark = True
        model = base.half() if prec == "fp16" else base.float()
        x = x32.half() if prec == "fp16" else x32
        with torch.inference_mode():
            for _ in range(a.warmup):
                model(x)
            torch.cuda.synchronize()
            start = torch.cuda.Event(enable_timing=True)
            stop = torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(a.iters):
                model(x)
            stop.record()
            stop.synchronize()
        ms = start.elapsed_time(stop) / a.iters
        result["ms_per_forward"][prec] = ms
        result["images_per_s"][prec] = a.batch * 1000.0 / ms
    text = json.dumps(result)
    if a.json:
        with open(a.json, "w") as f:
            f.write(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
