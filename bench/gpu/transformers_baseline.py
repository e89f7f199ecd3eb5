#!/usr/bin/env python3
"""Random-weight Qwen3-0.6B-shaped model for the CUDA backend's benchmark, and transformers' timings on it.

Makes the model folder the engine loads (bf16 safetensors, made on the spot: no weights or network needed),
a reference file in the fixtures' format (caseN.input_ids, caseN.logits in fp32, caseN.greedy, plus
caseN.greedy_margin: the reference's top-1 minus top-2 logit at each greedy step), and times
transformers (eager PyTorch, bf16, sdpa attention) for prefill and decode on the same GPU.

Usage (on the GPU machine; scripts/gpu/device-run.sh calls it):
  python3 bench/gpu/transformers_baseline.py --make /tmp/qwen3-0.6b --out bench-transformers.md
  python3 bench/gpu/transformers_baseline.py --load /tmp/llama8b --no-reference --prefill 1024,8192 --decode 1,16,64,256 --context 128
(--load times a folder made by make_random_model.py, e.g. the Llama-3.1-8B shape, instead of making the Qwen3 one.)
"""
import argparse
import statistics
import time

import torch
from safetensors.torch import save_file
from transformers import Qwen3Config, Qwen3ForCausalLM


def qwen3_06b_config():
    return Qwen3Config(vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28,
                       num_attention_heads=16, num_key_value_heads=8, head_dim=128, max_position_embeddings=40960,
                       rope_theta=1e6, rms_norm_eps=1e-6, tie_word_embeddings=True)


def timed(fn, repeats, warmup=2):
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


@torch.no_grad()
def make(path, seed):
    torch.manual_seed(seed)
    with torch.device("cuda"):
        model = Qwen3ForCausalLM(qwen3_06b_config())
    model = model.to(torch.bfloat16).eval()
    model.save_pretrained(path)
    return model


@torch.no_grad()
def reference(model, path, seed):
    g = torch.Generator().manual_seed(seed)
    tensors = {}
    model.to(torch.float32)
    for case, length in enumerate([7, 64]):
        ids = torch.randint(0, model.config.vocab_size, (1, length), generator=g).cuda()
        logits = model(ids).logits[0].float()
        seq = ids
        greedy, margins = [], []
        for _ in range(16):
            last = model(seq).logits[0, -1].float()
            top2 = last.topk(2).values
            margins.append(float(top2[0] - top2[1]))
            nxt = last.argmax()
            greedy.append(int(nxt))
            seq = torch.cat([seq, nxt.view(1, 1)], dim=1)
        tensors[f"case{case}.input_ids"] = ids[0].cpu().to(torch.int64)
        tensors[f"case{case}.logits"] = logits.cpu().contiguous()
        tensors[f"case{case}.greedy"] = torch.tensor(greedy, dtype=torch.int64)
        tensors[f"case{case}.greedy_margin"] = torch.tensor(margins, dtype=torch.float32)
    model.to(torch.bfloat16)
    save_file(tensors, path)


@torch.no_grad()
def bench(model, prefills, decodes, context, steps):
    vocab = model.config.vocab_size
    rows = []
    for length in prefills:
        ids = torch.randint(0, vocab, (1, length), device="cuda")
        t = timed(lambda: model(ids, use_cache=False, logits_to_keep=1), 10)
        rows.append(f"| prefill | 1 | {length} | {t * 1e3:.2f} | {length / t:,.0f} |")
    for batch in decodes:
        ids = torch.randint(0, vocab, (batch, context), device="cuda")
        out = model(ids, use_cache=True, logits_to_keep=1)
        past = out.past_key_values
        nxt = out.logits[:, -1].argmax(-1, keepdim=True)
        samples = []
        for i in range(steps + 3):
            torch.cuda.synchronize()
            start = time.perf_counter()
            out = model(nxt, past_key_values=past, use_cache=True)
            nxt = out.logits[:, -1].argmax(-1, keepdim=True)
            torch.cuda.synchronize()
            if i >= 3:
                samples.append(time.perf_counter() - start)
            past = out.past_key_values
        t = statistics.median(samples)
        rows.append(f"| decode | {batch} | {context} | {t * 1e3:.2f} | {batch / t:,.0f} |")
        del past, out
        torch.cuda.empty_cache()
    return rows


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--make", help="folder to write the random-weight Qwen3-0.6B-shaped model into")
    p.add_argument("--load", help="an existing model folder to time instead (make_random_model.py's)")
    p.add_argument("--no-reference", action="store_true", help="skip the reference logits file")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--prefill", default="128,512,2048")
    p.add_argument("--decode", default="1,8,32,64,128")
    p.add_argument("--context", type=int, default=512)
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--out", default=None)
    a = p.parse_args()
    if (a.make is None) == (a.load is None):
        p.error("give exactly one of --make and --load")
    if a.load:
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(a.load, dtype=torch.bfloat16).cuda().eval()
    else:
        model = make(a.make, a.seed)
    if not a.no_reference:
        reference(model, f"{a.make or a.load}/reference.safetensors", a.seed + 1)
    rows = bench(model, [int(x) for x in a.prefill.split(",")], [int(x) for x in a.decode.split(",")], a.context, a.steps)
    lines = [f"# transformers {__import__('transformers').__version__}, torch {torch.__version__}, "
             f"{torch.cuda.get_device_name()} (eager, bf16, sdpa; greedy on device)",
             "", "| phase | batch | tokens/context | ms per step | tokens/s |", "| --- | --- | --- | --- | --- |", *rows]
    text = "\n".join(lines)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
