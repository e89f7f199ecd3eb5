#!/usr/bin/env python3
"""Writes a random-weight bf16 model folder of a real model's shape (GPU.md's configs), made on the GPU.

Llama-3.1-8B's shape is 16 GB in bf16: it is built straight in bf16 on the device (no fp32 copy) and saved
as safetensors shards. No weights or network needed.

Usage (on the GPU machine): python3 bench/gpu/make_random_model.py --shape llama3.1-8b --out /tmp/llama8b
"""
import argparse
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Qwen3Config, Qwen3ForCausalLM


def shapes():
    return {
        "qwen3-0.6b": (Qwen3ForCausalLM, Qwen3Config(
            vocab_size=151936, hidden_size=1024, intermediate_size=3072, num_hidden_layers=28, num_attention_heads=16,
            num_key_value_heads=8, head_dim=128, max_position_embeddings=40960, rope_theta=1e6, rms_norm_eps=1e-6,
            tie_word_embeddings=True)),
        "llama3.1-8b": (LlamaForCausalLM, LlamaConfig(
            vocab_size=128256, hidden_size=4096, intermediate_size=14336, num_hidden_layers=32, num_attention_heads=32,
            num_key_value_heads=8, rope_theta=5e5,
            rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                          "original_max_position_embeddings": 8192},
            max_position_embeddings=131072)),
    }


@torch.no_grad()
def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shape", choices=sorted(shapes()), required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    cls, config = shapes()[a.shape]
    torch.manual_seed(a.seed)
    start = time.perf_counter()
    torch.set_default_dtype(torch.bfloat16)
    with torch.device("cuda"):
        model = cls(config)
    model.eval()
    made = time.perf_counter()
    model.save_pretrained(a.out)
    n = sum(t.numel() for t in model.parameters())
    print(f"{a.shape}: {n / 1e9:.2f}B parameters, made in {made - start:.1f} s, saved to {a.out} in {time.perf_counter() - made:.1f} s")


if __name__ == "__main__":
    main()
