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
