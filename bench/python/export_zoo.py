#!/usr/bin/env python3
"""Exports torchvision's zoo to ONNX for `occlusion4j check-model` (issue 19), and optionally checks each export.

Seeded random weights (no download: torchvision's weights=None), BatchNorm running statistics calibrated on a random
batch (so a random-weight network's output depends on its input: arbitrary statistics can make it constant), LayerNorm
needs no calibration. torch.onnx.export with dynamo=False (the TorchScript exporter), opset 17 by default (ConvNeXt's
and the transformers' LayerNorm becomes LayerNormalization; at --opset 13 it is ReduceMean/Sub/Pow/Sqrt/Div), the
batch dimension dynamic ("N").

    python3 bench/python/export_zoo.py --out zoo/                  # every model
    python3 bench/python/export_zoo.py --out zoo/ --models vit_b_16,swin_t,convnext_tiny
    python3 bench/python/export_zoo.py --out zoo/ --check bin/occlusion4j   # then check-model on each, a table

Needs torch and torchvision (not on the build machine: no PyPI there). Writes MODEL.onnx per model and manifest.json
(input shape, opset, whether the output responds to the input, the check-model command line).
"""
import argparse
import inspect
import json
import subprocess
import sys
from pathlib import Path

# name -> (constructor path in torchvision.models, input shape of one sample)
ZOO = {
    "resnet50": ("resnet50", (3, 224, 224)),
    "mobilenet_v2": ("mobilenet_v2", (3, 224, 224)),
    "mobilenet_v3_large": ("mobilenet_v3_large", (3, 224, 224)),
    "efficientnet_b0": ("efficientnet_b0", (3, 224, 224)),
    "densenet121": ("densenet121", (3, 224, 224)),
    "squeezenet1_1": ("squeezenet1_1", (3, 224, 224)),
    "shufflenet_v2_x1_0": ("shufflenet_v2_x1_0", (3, 224, 224)),
    "googlenet": ("googlenet", (3, 224, 224)),
    "regnet_y_400mf": ("regnet_y_400mf", (3, 224, 224)),
    "vgg16_bn": ("vgg16_bn", (3, 224, 224)),
    "r3d_18": ("video.r3d_18", (3, 16, 112, 112)),
    "vit_b_16": ("vit_b_16", (3, 224, 224)),
    "swin_t": ("swin_t", (3, 224, 224)),
    "convnext_tiny": ("convnext_tiny", (3, 224, 224)),
}


def build(torch, torchvision, name, seed):
    path, _ = ZOO[name]
    module = torchvision.models
    for part in path.split(".")[:-1]:
        module = getattr(module, part)
    ctor = getattr(module, path.split(".")[-1])
    torch.manual_seed(seed)
    kwargs = {"weights": None}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True, transform_input=False)
    model = ctor(**kwargs).eval()
    reinit_zero_linears(torch, model, seed)
    return model


def reinit_zero_linears(torch, model, seed):
    """torchvision starts some classifier heads at zero (ViT's `heads.head`), which makes a random-weight model's
    output the same for every input: such a layer gets a seeded normal initialisation (std 0.02) instead."""
    gen = torch.Generator().manual_seed(seed + 3)
    count = 0
    for m in model.modules():
        if isinstance(m, torch.nn.Linear) and not bool(m.weight.detach().abs().sum()):
            with torch.no_grad():
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * 0.02)
            count += 1
    return count


def calibrate_batch_norm(torch, model, shape, batch, seed):
    """Running statistics = the statistics of a seeded random batch (cumulative average over one pass)."""
    norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return 0
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative moving average: one batch gives exactly its statistics
        m.train()
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.rand((batch,) + tuple(shape), generator=gen) * 2 - 1
    with torch.no_grad():
        model(x)
    model.eval()
    return len(norms)


def responds(torch, model, shape, seed):
    """Largest change of the output between two seeded inputs, as a fraction of the output's range."""
    gen = torch.Generator().manual_seed(seed + 2)
    a = torch.rand((2,) + tuple(shape), generator=gen) * 2 - 1
    b = torch.rand((2,) + tuple(shape), generator=gen) * 2 - 1
    with torch.no_grad():
        ya, yb = model(a), model(b)
    span = float(ya.max() - ya.min())
    return float((ya - yb).abs().max()) / span if span > 0 else 0.0


def torchscript_exporter():
    """The TorchScript exporter: PyTorch 2.9 made dynamo (which needs onnxscript) the default; older torch has no flag."""
    import torch
    return {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}


def export(torch, model, shape, file, opset):
    x = torch.rand((1,) + tuple(shape)) * 2 - 1
    torch.onnx.export(model, (x,), str(file), **torchscript_exporter(), opset_version=opset, input_names=["input"],
                      output_names=["logits"], dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}},
                      do_constant_folding=True)


def check(binary, file, batch):
    """Runs `occlusion4j check-model FILE --batch B --json`; returns (exit code, report or None, stderr)."""
    p = subprocess.run([binary, "check-model", str(file), "--batch", str(batch), "--json"], capture_output=True,
                       text=True)
    try:
        return p.returncode, json.loads(p.stdout), p.stderr.strip()
    except json.JSONDecodeError:
        return p.returncode, None, p.stderr.strip()


def row(name, code, report, err):
    if report is None:
        return f"| {name} | error (exit {code}): {err} | | | | |"
    fp32, fp16 = report.get("fp32"), report.get("fp16")
    f32 = "not run" if not fp32 else f"{fp32['maxDifference']:.1e} ({fp32['relative']:.1e} of range) " + \
        ("PASS" if fp32["passed"] else "FAIL")
    f16 = "not run" if not fp16 else f"{fp16['maxDifference']:.1e} vs simulated {fp16['simulatedDifference']:.1e} " + \
        ("PASS" if fp16["passed"] else "FAIL")
    unsupported = "; ".join(f"{u['node']} ({u['operator']}): {u['reason']}" for u in report["unsupported"][:5])
    status = "runs" if report["passed"] else ("unsupported: " + unsupported if not report["supported"]
                                               else "out of tolerance")
    ms = "" if not fp32 or not fp16 else f"{fp32['hostMillis']:.0f} / {fp16['hostMillis']:.0f}"
    return f"| {name} | {report['nodes']} nodes | {report['steps']} | {f32} | {f16} | {ms} | {status} |"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True, help="folder for MODEL.onnx and manifest.json")
    ap.add_argument("--models", default=",".join(ZOO), help="comma-separated subset of: " + ", ".join(ZOO))
    ap.add_argument("--opset", type=int, default=17)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--calibration-batch", type=int, default=8, help="samples the BN statistics are computed on")
    ap.add_argument("--check", metavar="BIN", help="run BIN check-model on each export and print a Markdown table")
    ap.add_argument("--check-batch", type=int, default=1)
    args = ap.parse_args()
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in ZOO]
    if unknown:
        ap.error(f"unknown model(s) {unknown}; known: {', '.join(ZOO)}")
    try:
        import torch
        import torchvision
    except ImportError as e:
        sys.exit(f"export_zoo.py needs torch and torchvision ({e})")
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = {"torch": torch.__version__, "torchvision": torchvision.__version__, "opset": args.opset,
                "seed": args.seed, "models": {}}
    for name in names:
        shape = ZOO[name][1]
        model = build(torch, torchvision, name, args.seed)
        norms = calibrate_batch_norm(torch, model, shape, args.calibration_batch, args.seed)
        change = responds(torch, model, shape, args.seed)
        file = args.out / f"{name}.onnx"
        export(torch, model, shape, file, args.opset)
        manifest["models"][name] = {"file": file.name, "input": [-1] + list(shape), "batch_norms_calibrated": norms,
                                    "output_change_between_two_inputs": change,
                                    "check": f"occlusion4j check-model {file} --batch {args.check_batch}"}
        print(f"{name}: {file} ({norms} BatchNorms calibrated; output change between two inputs {change:.3f} of its "
              f"range{'' if change > 1e-3 else ' -- DOES NOT RESPOND TO ITS INPUT'})", flush=True)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    if args.check:
        print("\n| model | operators | steps | fp32 max diff | fp16 max diff | host ms fp32 / fp16 | status |")
        print("|---|---|---:|---|---|---:|---|")
        for name in names:
            code, report, err = check(args.check, args.out / f"{name}.onnx", args.check_batch)
            print(row(name, code, report, err), flush=True)


if __name__ == "__main__":
    main()
