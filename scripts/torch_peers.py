#!/usr/bin/env python3
"""Times the PyTorch peers of our CUDA kernels on the same GPU, in the same run, and stores them as
backend `torch` (role peer) in the harness run of the database that timed our cuda backend on the
same op and case key (the latest such run), so that its report shows ours beside theirs.

Each peer is the plain PyTorch formulation a serving stack would run (written after the model's
own code where it has one). Inputs have the shapes and dtypes of the harness case (random normal,
the harness's own values are not needed for timing). Peers are timed, not gated: their accuracy is
not compared here. Bytes per case are the harness cost model's, read from our cuda row of the same
case. Timing: gpu_common.DeviceTimer (L2 read-flush, CUDA events, warm-up, 50 samples).
"""
import argparse
import subprocess
import sys

import gpu_common

EPS = 1e-6


def parse_cases(v4harness, suite, op):
    out = subprocess.run([v4harness, "list", "--suite", suite, "--op", op, "--cases"], check=True,
                         capture_output=True, text=True).stdout
    cases = []
    for line in out.splitlines():
        line = line.strip()
        if line.startswith("case: "):
            key = line[len("case: "):]
            params = dict(tok.split("=", 1) for tok in key.split()[1:])
            cases.append((key, {k: int(v) for k, v in params.items()}))
    return cases


def peers(torch):
    F = torch.nn.functional

    def rms_norm(p):
        x = torch.randn(p["rows"], p["dim"], device="cuda").to(torch.bfloat16)
        w = torch.rand(p["dim"], device="cuda") + 0.1
        return lambda: F.rms_norm(x.float(), (p["dim"],), w, EPS).to(torch.bfloat16), \
            "F.rms_norm(x.float(), w, eps).to(bf16)"

    def rms_norm_head(p):
        x = torch.randn(p["rows"], p["heads"], p["head_dim"], device="cuda").to(torch.bfloat16)
        return lambda: x * torch.rsqrt(x.square().mean(-1, keepdim=True) + EPS), \
            "x * rsqrt(x.square().mean(-1) + eps) in bf16, as the model"

    def block_quant(x, block, qmax, dtype):
        xb = x.view(x.shape[0], -1, block).float()
        amax = xb.abs().amax(-1, keepdim=True).clamp(min=1e-4)
        e = torch.ceil(torch.log2(amax * (1.0 / qmax)))
        q = (xb * torch.exp2(-e)).clamp(-qmax, qmax).to(dtype)
        return q, (e + 127).to(torch.uint8)

    def act_quant(p):
        x = torch.randn(p["rows"], p["cols"], device="cuda").to(torch.bfloat16)
        return lambda: block_quant(x, 128, 448.0, torch.float8_e4m3fn), \
            "amax per 1x128, exp2(ceil(log2(amax/448))), .to(float8_e4m3fn)"

    def kv_fp8_sim(p):
        x = torch.randn(p["rows"], p["dim"], device="cuda").to(torch.bfloat16)

        def run():
            q, e = block_quant(x[:, :448].contiguous(), 64, 448.0, torch.float8_e4m3fn)
            y = torch.empty_like(x)
            y[:, :448] = (q.float() * torch.exp2(e.float() - 127)).view(x.shape[0], 448).to(torch.bfloat16)
            y[:, 448:] = x[:, 448:]
            return y
        return run, "block-64 e4m3 quantize-dequantize of the 448 nope dims, RoPE dims copied"

    def bf16_encode(p):
        x = torch.randn(p["rows"], p["cols"], device="cuda")
        return lambda: x.to(torch.bfloat16), "x.to(bfloat16)"

    def e4m3_encode(p):
        x = torch.randn(p["rows"], p["cols"], device="cuda") * 100
        return lambda: x.to(torch.float8_e4m3fn), "x.to(float8_e4m3fn) (NaN above 464, not satfinite)"

    def mhc_post(p):
        t, d = p["tokens"], p["dim"]
        f = torch.randn(t, d, device="cuda").to(torch.bfloat16)
        res = torch.randn(t, 4, d, device="cuda").to(torch.bfloat16)
        post = torch.rand(t, 4, device="cuda") * 2
        comb = torch.rand(t, 4, 4, device="cuda")
        return lambda: (post.unsqueeze(-1) * f.unsqueeze(1).float()
                        + torch.einsum("tjk,tjd->tkd", comb, res.float())).to(torch.bfloat16), \
            "post*f + einsum(comb^T, X) in fp32, .to(bf16), as the model"

    def log_softmax(p):
        x = (torch.randn(p["rows"], p["vocab"], device="cuda") * 3).to(torch.bfloat16)
        if p["out"] == 1:
            return lambda: torch.log_softmax(x, dim=-1, dtype=torch.float32), \
                "torch.log_softmax(x_bf16, -1, dtype=float32)"
        return lambda: torch.log_softmax(x, dim=-1), "torch.log_softmax(x_bf16, -1) (bf16 out)"

    def opd_kl(p):
        zs = torch.randn(p["rows"], p["vocab"], device="cuda") * 3
        zt = torch.randn(p["rows"], p["vocab"], device="cuda") * 3

        def run():
            lp, lq = torch.log_softmax(zs, -1), torch.log_softmax(zt, -1)
            prob, d = lp.exp(), lp - lq
            kl = (prob * d).sum(-1)
            return kl, prob * (d - kl.unsqueeze(-1))
        return run, "fp32: lp, lq = log_softmax; KL = sum p (lp - lq); grad = p ((lp - lq) - KL)"

    def moe_gate(p):
        t, d, e, k = p["tokens"], p["dim"], p["experts"], p["k"]
        route_scale = p.get("route_scale_x10", 15) / 10.0
        x = torch.randn(t, d, device="cuda").to(torch.bfloat16)
        w = (torch.randn(e, d, device="cuda") / d ** 0.5).to(torch.bfloat16)
        bias = torch.randn(e, device="cuda") * 0.1
        ids = torch.randint(0, 4096, (t,), device="cuda")
        tid2eid = torch.stack([torch.randperm(e, device="cuda")[:k] for _ in range(4096)])

        def run():
            scores = F.softplus(F.linear(x.float(), w.float())).sqrt()
            if p.get("hash", 0):
                indices = tid2eid[ids]
            else:
                indices = (scores + bias).topk(k, dim=-1)[1]
            weights = scores.gather(1, indices)
            return weights / weights.sum(dim=-1, keepdim=True) * route_scale, indices
        return run, ("sqrt(softplus(x.float() @ W.float().T)), " +
                     ("tid2eid[ids]" if p.get("hash", 0) else "(scores + bias).topk(k)") +
                     ", gather, renormalize x route_scale, as the model")

    return {"rms_norm": rms_norm, "rms_norm_head": rms_norm_head, "act_quant": act_quant, "kv_fp8_sim": kv_fp8_sim,
            "bf16_encode": bf16_encode, "e4m3_encode": e4m3_encode, "mhc_post": mhc_post,
            "log_softmax": log_softmax, "opd_kl": opd_kl, "moe_gate": moe_gate}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True)
    ap.add_argument("--v4harness", required=True)
    ap.add_argument("--suite", default="full")
    ap.add_argument("--ops", nargs="*", help="only these ops (default: every op with a peer)")
    args = ap.parse_args()
    import torch
    db = gpu_common.open_db(args.db)
    timer = gpu_common.DeviceTimer(torch)
    n = 0
    with db:
        for op, make in peers(torch).items():
            if args.ops and op not in args.ops:
                continue
            for key, params in parse_cases(args.v4harness, args.suite, op):
                row = db.execute("SELECT t.bytes, t.flops, c.run_id FROM timings t JOIN cases c USING (case_id)"
                                 " JOIN runs r USING (run_id) WHERE r.kind = 'harness' AND r.finished_at IS NOT NULL"
                                 " AND c.op = ? AND c.case_key = ? AND c.backend = 'cuda' ORDER BY c.run_id DESC",
                                 (op, key)).fetchone()
                if row is None:
                    print(f"skip {key}: no cuda timing in any harness run")
                    continue
                run = row[2]
                fn, what = make(params)
                samples = timer.time(fn)
                cid = gpu_common.add_case(db, run, op, "torch", "peer", "cuda", key, params)
                s = gpu_common.add_timing(db, cid, samples, "torch.cuda.Event+l2_read_flush", row[0], row[1],
                                          f"torch {torch.__version__}: {what}")
                print(f"{key}: torch median {s['median'] * 1e6:.1f} us, {row[0] / s['median'] / 1e9:.0f} GB/s")
                n += 1
                torch.cuda.empty_cache()
    print(f"{n} torch peer timings stored")


if __name__ == "__main__":
    main()
