#!/usr/bin/env python3
"""Concurrent streaming chat completions against an OpenAI-compatible server (standard library only).

Sends --requests requests, --concurrency at a time, each asking for --max-tokens tokens with ignore_eos, and
reports output tokens per second over the whole run (from each stream's usage chunk), time to first token and
per-request decode speed.

Usage: python3 bench/gpu/serve_load.py --url http://127.0.0.1:8000 --model NAME --concurrency 64 --requests 128
"""
import argparse
import http.client
import json
import statistics
import threading
import time
import urllib.parse


def one(url, model, max_tokens, temperature, prompt, results):
    u = urllib.parse.urlparse(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
    body = json.dumps({"model": model, "stream": True, "stream_options": {"include_usage": True},
                       "max_tokens": max_tokens, "temperature": temperature, "ignore_eos": True,
                       "messages": [{"role": "user", "content": prompt}]})
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    first, usage, chunks = None, None, 0
    for raw in resp:
        line = raw.decode().strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        event = json.loads(line[6:])
        if event.get("usage"):
            usage = event["usage"]
        if event.get("choices") and event["choices"][0].get("delta", {}).get("content"):
            chunks += 1
            if first is None:
                first = time.perf_counter()
    end = time.perf_counter()
    conn.close()
    tokens = usage["completion_tokens"] if usage else chunks
    results.append({"status": resp.status, "tokens": tokens, "ttft": (first or end) - start, "total": end - start})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--url", default="http://127.0.0.1:8000")
    p.add_argument("--model", required=True)
    p.add_argument("--concurrency", type=int, default=64)
    p.add_argument("--requests", type=int, default=128)
    p.add_argument("--max-tokens", type=int, default=256)
    p.add_argument("--temperature", type=float, default=0.0)
    a = p.parse_args()
    results, lock = [], threading.Lock()
    queue = list(range(a.requests))

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                i = queue.pop()
            one(a.url, a.model, a.max_tokens, a.temperature, f"Request {i}: write a long story about a lighthouse keeper.", results)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(a.concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ok = [r for r in results if r["status"] == 200]
    tokens = sum(r["tokens"] for r in ok)
    decode = [(r["tokens"] - 1) / (r["total"] - r["ttft"]) for r in ok if r["tokens"] > 1 and r["total"] > r["ttft"]]
    print(f"| {a.concurrency} | {a.requests} | {a.max_tokens} | {a.temperature} | {len(ok)}/{len(results)} | {wall:.2f} | "
          f"{tokens / wall:,.0f} | {statistics.median(r['ttft'] for r in ok) * 1000:.0f} | {statistics.median(decode):,.0f} |")


if __name__ == "__main__":
    main()
