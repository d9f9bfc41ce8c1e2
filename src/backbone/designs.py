# SPDX-License-Identifier: Apache-2.0
"""Head designs over the backbone's frozen features ([B, T, 384], padded, with a mask).

- `PooledHeads` (D1): per-head attentive pooling of the features, then a linear head
  each. Reads acoustic features directly.
- `CtcHeads` (D2): a CTC head over characters reads the features; the 13 heads read
  only its posteriors ([T, 29]: what a transcript would say, without decoding),
  through dilated convolutions and per-head attentive pooling. With `detach`, the
  heads' loss does not reach the CTC layers, so the posteriors stay a transcript and
  cannot become a voice detector.

Both give the same scores for a clip alone or padded in a batch (masked pooling,
padded steps zeroed before every convolution).
"""
import re

import torch
import torch.nn.functional as F

import whisper_encoder
from text import spoken_text

N_HEADS = 13
CHARS = " abcdefghijklmnopqrstuvwxyz'"  # index + 1; 0 is the CTC blank
N_CLASSES = len(CHARS) + 1

def encode_text(text):
    return [CHARS.index(c) + 1 for c in spoken_text(text)]


def greedy_decode(log_probs, n):
    """Best path of one clip's [T, C] log-posteriors over its n frames, as text."""
    ids = log_probs[:n].argmax(-1).tolist()
    out, prev = [], 0
    for i in ids:
        if i != prev and i != 0:
            out.append(CHARS[i - 1])
        prev = i
    return re.sub(r" +", " ", "".join(out)).strip()


class MultiPool(torch.nn.Module):
    """Per-head attentive pooling: [B, T, H] -> [B, 13] logits."""

    def __init__(self, width):
        super().__init__()
        self.score = torch.nn.Linear(width, N_HEADS)
        self.weight = torch.nn.Parameter(torch.randn(N_HEADS, width) * width ** -0.5)
        self.bias = torch.nn.Parameter(torch.zeros(N_HEADS))

    def forward(self, x, mask):  # mask [B, T] bool, True on real frames
        s = self.score(x).masked_fill(~mask[..., None], float("-inf"))
        w = torch.softmax(s, dim=1)  # [B, T, 13]
        pooled = torch.einsum("bth,btd->bhd", w, x)
        return (pooled * self.weight).sum(-1) + self.bias


class PooledHeads(torch.nn.Module):
    """D1: frozen features -> LayerNorm -> Linear+GELU -> per-head pooling."""

    def __init__(self, dim=384, width=256, dropout=0.1):
        super().__init__()
        self.norm = torch.nn.LayerNorm(dim)
        self.proj = torch.nn.Linear(dim, width)
        self.drop = torch.nn.Dropout(dropout)
        self.pool = MultiPool(width)

    def forward(self, feats, mask):
        x = self.drop(F.gelu(self.proj(self.norm(feats))))
        return {"logits": self.pool(x, mask)}


class MaskedConv(torch.nn.Module):
    """Conv1d over time with padded steps zeroed first: [B, T, C] -> [B, T, H]."""

    def __init__(self, c_in, c_out, kernel, dilation=1):
        super().__init__()
        self.conv = torch.nn.Conv1d(c_in, c_out, kernel, dilation=dilation, padding=dilation * (kernel // 2))

    def forward(self, x, mask):
        x = x * mask[..., None]
        return self.conv(x.transpose(1, 2)).transpose(1, 2)


class CtcHeads(torch.nn.Module):
    """D2: frozen features -> CTC over characters; heads read only the log-posteriors."""

    def __init__(self, dim=384, ctc_width=128, width=64, dilations=(1, 2, 4, 8), detach=True, dropout=0.1):
        super().__init__()
        self.detach = detach
        self.norm = torch.nn.LayerNorm(dim)
        self.ctc_hidden = torch.nn.Linear(dim, ctc_width)  # per frame: the encoder already mixed time
        self.ctc_out = torch.nn.Linear(ctc_width, N_CLASSES)
        self.inp = MaskedConv(N_CLASSES, width, 3)
        self.convs = torch.nn.ModuleList(MaskedConv(width, width, 5, d) for d in dilations)
        self.drop = torch.nn.Dropout(dropout)
        self.pool = MultiPool(width)

    def forward(self, feats, mask):
        h = F.gelu(self.ctc_hidden(self.norm(feats)))
        log_probs = F.log_softmax(self.ctc_out(self.drop(h)), dim=-1)  # [B, T, 29]
        # Posteriors in [0, 1], not log-posteriors: log-probabilities down to -30 would
        # saturate the first layer.
        text = torch.exp(log_probs.detach() if self.detach else log_probs)
        x = F.gelu(self.inp(text, mask))
        for conv in self.convs:
            x = x + self.drop(F.gelu(conv(x, mask)))
        return {"logits": self.pool(x, mask), "log_probs": log_probs}


class WhisperBlock(torch.nn.Module):
    """One of Whisper's pre-norm encoder blocks (whisper_encoder.block), trainable, with
    a key mask so padded clips in a batch score as they would alone. Its modules are
    named as arch.h names them ("attn.norm" -> attn_norm)."""

    def __init__(self, dim, n_heads, ffn):
        super().__init__()
        self.n_heads = n_heads
        self.attn_norm, self.ffn_norm = torch.nn.LayerNorm(dim), torch.nn.LayerNorm(dim)
        self.attn_qkv, self.attn_out = torch.nn.Linear(dim, 3 * dim), torch.nn.Linear(dim, dim)
        self.ffn_up, self.ffn_down = torch.nn.Linear(dim, ffn), torch.nn.Linear(ffn, dim)

    def ct2_tensors(self, prefix=None):
        """Its parameters by CTranslate2's name (under `prefix.` when given)."""
        out = {}
        for ours, theirs in whisper_encoder.BLOCK_NORMS:
            m = getattr(self, ours.replace(".", "_"))
            out[f"{theirs}.gamma"], out[f"{theirs}.beta"] = m.weight, m.bias
        for ours, theirs in whisper_encoder.BLOCK_LINEARS:
            m = getattr(self, ours.replace(".", "_"))
            out[f"{theirs}.weight"], out[f"{theirs}.bias"] = m.weight, m.bias
        return out if prefix is None else {f"{prefix}.{k}": v for k, v in out.items()}

    def load_ct2(self, t, prefix):
        with torch.no_grad():
            for name, param in self.ct2_tensors().items():
                param.copy_(t[f"{prefix}.{name}"])

    def forward(self, x, mask):
        w = self.ct2_tensors()
        return whisper_encoder.block(x, w.__getitem__, self.n_heads, key_mask=mask)


class TopBlocksHeads(torch.nn.Module):
    """D1 with Whisper's top blocks trainable: the cached input of block `first`
    (whisper_encoder.blocks(upto=first)) -> blocks first.. -> final LayerNorm -> D1's
    pooled heads. Starts as exactly D1 on frozen features."""

    def __init__(self, encoder, first, dim=384, width=256):
        super().__init__()
        t, n = encoder.t, encoder.n_layers
        ffn = t["layer_0.ffn.linear_0.weight"].shape[0]
        self.first = first
        self.blocks = torch.nn.ModuleList(WhisperBlock(dim, encoder.num_heads, ffn) for _ in range(first, n))
        for i, block in enumerate(self.blocks):
            block.load_ct2(t, f"layer_{first + i}")
        self.final_norm = torch.nn.LayerNorm(dim)
        with torch.no_grad():
            self.final_norm.weight.copy_(t["layer_norm.gamma"])
            self.final_norm.bias.copy_(t["layer_norm.beta"])
        self.heads = PooledHeads(dim=dim, width=width)

    def param_groups(self, lr, block_lr):
        """The pretrained layers learn slower than the fresh heads."""
        pretrained = [p for m in (self.blocks, self.final_norm) for p in m.parameters()]
        return [{"params": pretrained, "lr": block_lr}, {"params": list(self.heads.parameters()), "lr": lr}]

    def forward(self, x, mask):
        for block in self.blocks:
            x = block(x, mask)
        return self.heads(self.final_norm(x), mask)

    def package_parts(self):
        """(D1 heads state dict, encoder tensors by CTranslate2 name that replace the
        pretrained ones): what src/backbone/package.py writes."""
        enc = {}
        for i, block in enumerate(self.blocks):
            enc.update(block.ct2_tensors(f"layer_{self.first + i}"))
        enc["layer_norm.gamma"], enc["layer_norm.beta"] = self.final_norm.weight, self.final_norm.bias
        return self.heads.state_dict(), {k: v.detach().clone() for k, v in enc.items()}
