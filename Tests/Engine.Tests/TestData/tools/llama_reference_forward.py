# An independent fp32 Llama forward pass in plain Python (no numpy), used to arbitrate where the
# engine and a fixture's reference disagree. It computes the logits of the last position of
# prompt + the fixture's first K greedy tokens and prints the top 3.
# Usage: [ROUND=1] python3 llama_reference_forward.py CASE K
#   ROUND=1 rounds inv_freq to bf16, as transformers' buffer is after a bf16 -> fp32 cast; with it
#   the prompt logits match the fixture to ~3e-6 (K=0 prints that difference).
#   TRUNC=1 truncates positions to bf16 (8 significant bits) as the fixture's greedy run did: with
#   ROUND=1 TRUNC=1, K=13 and K=15 give the fixture's 410 and 61; positions up to 256 are unaffected.
import json, struct, math, sys, os
d = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tiny-llama3") + "/"
def load(path):
    b = open(path, 'rb').read(); n = struct.unpack('<Q', b[:8])[0]; h = json.loads(b[8:8+n]); base = 8+n; out = {}
    for k, v in h.items():
        if k == '__metadata__': continue
        s, e = v['data_offsets']; raw = b[base+s:base+e]; dt = v['dtype']
        if dt == 'BF16': vals = [struct.unpack('<f', b'\x00\x00' + raw[i:i+2])[0] for i in range(0, len(raw), 2)]
        elif dt == 'F32': vals = list(struct.unpack('<%df' % (len(raw)//4), raw))
        elif dt == 'I64': vals = list(struct.unpack('<%dq' % (len(raw)//8), raw))
        out[k] = (vals, v['shape'])
    return out
W = load(d + "model.safetensors"); R = load(d + "reference.safetensors")
cfg = json.load(open(d + "config.json"))
H, nh, nkv, hd, I, V = cfg['hidden_size'], cfg['num_attention_heads'], cfg['num_key_value_heads'], cfg['head_dim'], cfg['intermediate_size'], cfg['vocab_size']
def mat(name):
    v, s = W[name]; return [v[r*s[1]:(r+1)*s[1]] for r in range(s[0])]
def mv(M, x): return [sum(a*b for a, b in zip(row, x)) for row in M]
def rms(x, w, eps=cfg['rms_norm_eps']):
    r = 1/math.sqrt(sum(t*t for t in x)/len(x) + eps); return [t*r*g for t, g in zip(x, w)]
rp = cfg['rope_parameters']; theta = rp['rope_theta']
inv = [1.0/(theta ** (2*i/hd)) for i in range(hd//2)]
lf, hf, f, om = rp['low_freq_factor'], rp['high_freq_factor'], rp['factor'], rp['original_max_position_embeddings']
lw, hw = om/lf, om/hf; inv2 = []
for fr in inv:
    wl = 2*math.pi/fr
    if wl < hw: inv2.append(fr)
    elif wl > lw: inv2.append(fr/f)
    else:
        sm = (om/wl - lf)/(hf - lf); inv2.append((1-sm)*fr/f + sm*fr)
def bf16(v):
    b = struct.pack('<f', v); u = struct.unpack('<I', b)[0]
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return struct.unpack('<f', struct.pack('<I', u))[0]
import os
if os.environ.get('ROUND'): inv2 = [bf16(v) for v in inv2]
def trunc_bf16(v):
    u = struct.unpack('<I', struct.pack('<f', v))[0] & 0xFFFF0000
    return struct.unpack('<f', struct.pack('<I', u))[0]
def rope(x, pos):
    if os.environ.get('TRUNC'): pos = trunc_bf16(float(pos))
    out = list(x); half = hd//2
    for i in range(half):
        c, s = math.cos(pos*inv2[i]), math.sin(pos*inv2[i])
        a, b = x[i], x[i+half]; out[i] = a*c - b*s; out[i+half] = b*c + a*s
    return out
case = int(sys.argv[1]); k = int(sys.argv[2])
prompt = R['case%d.input_ids' % case][0]; greedy = R['case%d.greedy' % case][0]
seq = prompt + greedy[:k]; T = len(seq)
emb = W['model.embed_tokens.weight'][0]
xs = [emb[t*H:(t+1)*H] for t in seq]
for L in range(cfg['num_hidden_layers']):
    p = 'model.layers.%d.' % L
    wq, wk, wv, wo = mat(p+'self_attn.q_proj.weight'), mat(p+'self_attn.k_proj.weight'), mat(p+'self_attn.v_proj.weight'), mat(p+'self_attn.o_proj.weight')
    ln1, ln2 = W[p+'input_layernorm.weight'][0], W[p+'post_attention_layernorm.weight'][0]
    g, u, dn = mat(p+'mlp.gate_proj.weight'), mat(p+'mlp.up_proj.weight'), mat(p+'mlp.down_proj.weight')
    last = L == cfg['num_hidden_layers'] - 1
    Ks, Vs, Qs = [], [], []
    for t, x in enumerate(xs):
        h = rms(x, ln1); kk = mv(wk, h); vv = mv(wv, h)
        Ks.append([rope(kk[j*hd:(j+1)*hd], t) for j in range(nkv)]); Vs.append([vv[j*hd:(j+1)*hd] for j in range(nkv)])
        Qs.append(h)
    new = []
    for t, x in enumerate(xs):
        if last and t != T-1: new.append(None); continue
        q = mv(wq, Qs[t]); att = []
        for hh in range(nh):
            qh = rope(q[hh*hd:(hh+1)*hd], t); kv = hh // (nh//nkv)
            sc = [sum(a*b for a, b in zip(qh, Ks[j][kv]))/math.sqrt(hd) for j in range(t+1)]
            m = max(sc); e = [math.exp(s-m) for s in sc]; z = sum(e)
            att += [sum(e[j]*Vs[j][kv][i] for j in range(t+1))/z for i in range(hd)]
        x2 = [a+b for a, b in zip(x, mv(wo, att))]
        h2 = rms(x2, ln2); gg = mv(g, h2); uu = mv(u, h2)
        act = [a/(1+math.exp(-a))*b for a, b in zip(gg, uu)]
        new.append([a+b for a, b in zip(x2, mv(dn, act))])
    xs = new
h = rms(xs[-1], W['model.norm.weight'][0]); logits = mv(mat('lm_head.weight'), h)
order = sorted(range(V), key=lambda i: -logits[i])[:3]
print("k=%d ref=%d top=%s" % (k, greedy[k], [(i, round(logits[i], 5)) for i in order]))
if k == 0:
    rl = R['case%d.logits' % case][0]; row = rl[(T-1)*V:T*V]
    print("max |py - ref| at last prompt pos:", max(abs(a-b) for a, b in zip(row, logits)))
