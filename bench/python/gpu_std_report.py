#!/usr/bin/env python3
"""Merges the gpu-std figures of one device run into a Markdown table (occlusion4j's gpu-std comparison).

Reads, from --dir: gpu-std.occlusion4j.json (GpuStdBenchmark), torch-throughput.json (torch_throughput.py),
baseline-<p>.json and baseline-<p>.pixel.npy (occlusion_baseline.py run --precision p), and the
occlusion4j maps gpu-std.<P>.pixel.npy. Writes --md: machine, date, commit, settings, and per precision
occlusion4j variants/s, the PyTorch loop's variants/s, their ratio (targets: >= 5x at TF32, >= 10x at
FP16), plan-only and PyTorch eager images/s, the occlusion overhead (target <= 1.05), bytes moved, and
the agreement of the pixel maps (Pearson r, max |diff| / range of the PyTorch map). Missing pieces are
reported as such; never fails on them.
"""
import argparse
import datetime
import json
import os

import numpy as np

TARGETS = {"TF32": 5.0, "FP16": 10.0}


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"missing": "%s: %s" % (os.path.basename(path), e)}


def agreement(a_path, b_path):
    try:
        a = np.load(a_path).astype(np.float64).ravel()
        b = np.load(b_path).astype(np.float64).ravel()
    except OSError as e:
        return None, None, "missing map: %s" % e
    if a.shape != b.shape:
        return None, None, "map shapes differ: %s vs %s" % (a.shape, b.shape)
    r = float(np.corrcoef(a, b)[0, 1]) if a.std() > 0 and b.std() > 0 else float("nan")
    span = float(b.max() - b.min())
    return r, float(np.abs(a - b).max() / span) if span > 0 else float("nan"), None


def fmt(v, spec="%.1f"):
    return "n/a" if v is None or (isinstance(v, float) and v != v) else spec % v


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--md", required=True)
    p.add_argument("--commit", default="")
    p.add_argument("--machine", default="")
    a = p.parse_args(argv)
    o4j = load(os.path.join(a.dir, "gpu-std.occlusion4j.json"))
    eager = load(os.path.join(a.dir, "torch-throughput.json"))
    lines = ["# gpu-std: occlusion4j on the CUDA back end vs PyTorch", "",
             "- date (UTC): %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M"),
             "- commit: %s" % (a.commit or "n/a"), "- machine: %s" % (a.machine or eager.get("device", "n/a")),
             "- torch: %s; java: %s" % (eager.get("torch", "n/a"), o4j.get("java", "n/a")),
             "- workload: ResNet-50 (torchvision, seeded weights and BatchNorm statistics), 3x224x224, window 16, stride 4,"
             " CROP, fill 0, RAW score, argmax target, %s variants; occlusion4j reps %s (median), plan reps %s;"
             " PyTorch loop: occlusion_baseline.py run --reps 3 at occlusion4j's batch; eager: %s forwards after warm-up"
             % (o4j.get("variants", 2809), o4j.get("reps", "n/a"), o4j.get("plan_reps", "n/a"), eager.get("iters", "n/a")),
             ""]
    for name, d in (("occlusion4j", o4j), ("torch eager", eager)):
        if "missing" in d:
            lines.append("- %s figures missing (%s)" % (name, d["missing"]))
    lines += ["| precision | batch | occlusion4j variants/s | PyTorch loop variants/s | ratio (target) | plan images/s |"
              " PyTorch eager images/s | overhead (<= 1.05) | H2D / D2H bytes | pixel map r | max diff / range |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for prec in ("FP32", "TF32", "FP16"):
        f = o4j.get("precisions", {}).get(prec)
        base = load(os.path.join(a.dir, "baseline-%s.json" % prec.lower()))
        if f is None:
            continue
        if "error" in f:
            lines.append("| %s | failed: %s |  |  |  |  |  |  |  |  |  |" % (prec, f["error"][:160].replace("|", "/")))
            continue
        vps = base.get("variants_per_s")
        py = float(np.median(vps)) if vps else None
        ratio = f["variants_per_s"] / py if py and f.get("variants_per_s") else None
        target = TARGETS.get(prec)
        verdict = "" if ratio is None or target is None else (" (>= %gx: %s)" % (target, "met" if ratio >= target else "NOT met"))
        over = f.get("overhead")
        r, rel, note = agreement(os.path.join(a.dir, "gpu-std.%s.pixel.npy" % prec),
                                 os.path.join(a.dir, "baseline-%s.pixel.npy" % prec.lower()))
        lines.append("| %s | %s | %s | %s | %s%s | %s | %s | %s%s | %s / %s | %s | %s |" % (
            prec, f.get("batch"), fmt(f.get("variants_per_s")), fmt(py) if py else "n/a (%s)" % base.get("missing", "?"),
            fmt(ratio, "%.2fx"), verdict, fmt(f.get("plan_images_per_s")),
            fmt(eager.get("images_per_s", {}).get(prec.lower())), fmt(over, "%.3f"),
            "" if over is None else (" ok" if over <= 1.05 else " over"), f.get("h2d_bytes"), f.get("d2h_bytes"),
            fmt(r, "%.5f") if note is None else note, fmt(rel, "%.2e")))
        if base.get("target") is not None and base.get("target") != f.get("target"):
            lines.append("| %s | targets differ: occlusion4j %s, PyTorch %s |  |  |  |  |  |  |  |  |  |"
                         % (prec, f.get("target"), base.get("target")))
    text = "\n".join(lines) + "\n"
    with open(a.md, "w") as out:
        out.write(text)
    print(text)


if __name__ == "__main__":
    main()
