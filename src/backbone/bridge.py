# SPDX-License-Identifier: Apache-2.0
"""Bridges from the project's log-mel ([T, 128], 20 ms hop, natural log) to Whisper's
encoder, which was trained on its own 80-bin log10 mel at a 10 ms hop.

Two bridges, measured by bench/whisper-bridge.py:

- `fixed_map_mel`: no learning. Each Whisper filter is a non-negative combination of
  the project's 128 triangles (least squares over frequency), applied to the mel
  powers; frames are interpolated from the 20 ms grid onto Whisper's 10 ms centres;
  then Whisper's log10, 8-decade floor and (x + 4) / 4 scaling. Feeds Whisper's own stem.
- `MappedStem`: the fixed map (with a fixed floor, so frames are independent) into
  Whisper's own two convolutions, which start from Whisper's weights and are then
  fine-tuned on unlabelled audio to Whisper's stem output. Output as `Stem`'s.
- `Stem`: replaces Whisper's two convolutions. Two 1-D convolutions over the
  project's frames (kernels 5 and 3, GELU, 384 channels, stride 1: the project's hop is
  already Whisper's encoder rate), fitted on unlabelled audio to Whisper's stem output
  (after its second GELU, before the position table).
"""
import numpy as np
import scipy.optimize
import torch
import torch.nn.functional as F

SAMPLE_RATE = 16000
OUR_HOP, OUR_WIN, OUR_FFT, OUR_MELS = 320, 400, 1024, 128
OUR_LOG_FLOOR = 1e-8  # log(energy + 1e-8), docs/frontend.md
WHISPER_HOP, WHISPER_FFT, WHISPER_MELS = 160, 400, 80
WHISPER_FRAMES = 3000  # 30 s


def htk_triangles(freqs):
    """The project's 128 filters (docs/frontend.md) evaluated at `freqs` Hz: [128, F]."""
    mel = lambda hz: 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)  # noqa: E731
    edges = np.linspace(mel(20.0), mel(8000.0), OUR_MELS + 2)
    m = mel(freqs)[None, :]
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    return np.maximum(0.0, np.minimum((m - lo) / (mid - lo), (hi - m) / (hi - mid)))


def whisper_filters():
    """Whisper's filterbank (librosa's Slaney scale, area-normalized): [80, 201]."""
    import librosa.filters
    return librosa.filters.mel(sr=SAMPLE_RATE, n_fft=WHISPER_FFT, n_mels=WHISPER_MELS, dtype=np.float64)


def fixed_map_matrix():
    """A [80, 128] non-negative A with whisper_mel ~= A @ our_mel_power.

    Both banks are sums over FFT bins of the same frame's power: Whisper's over 201 bins
    of a 400-point FFT, ours over 513 bins of the frame zero-padded to 1024, divided by
    1024. Written as integrals over frequency (bin spacing 40 and 15.625 Hz), the fit
    asks each Whisper filter to be a combination of our filters as functions of
    frequency, on a 1 Hz grid."""
    grid = np.arange(0.0, 8000.0, 1.0)
    ours = htk_triangles(grid) / (SAMPLE_RATE / OUR_FFT) / OUR_FFT  # per Hz, power / 1024
    w_bins = np.arange(WHISPER_FFT // 2 + 1) * SAMPLE_RATE / WHISPER_FFT
    wf = whisper_filters()
    theirs = np.stack([np.interp(grid, w_bins, row) for row in wf]) / (SAMPLE_RATE / WHISPER_FFT)
    return np.stack([scipy.optimize.nnls(ours.T, row)[0] for row in theirs])


def whisper_normalize(log10_mel, floor=None):
    """Whisper's last step: 8-decade floor below the window's maximum (or a fixed floor,
    which a stream can apply frame by frame), then (x + 4) / 4."""
    x = np.maximum(log10_mel, log10_mel.max() - 8.0 if floor is None else floor)
    return (x + 4.0) / 4.0


def fixed_map_mel(our_log_mel, matrix, floor=None):
    """Our log-mel [T, 128] of a clip zero-padded to 30 s -> Whisper's input [80, 3000]."""
    power = np.maximum(np.exp(our_log_mel.astype(np.float64)) - OUR_LOG_FLOOR, 0.0)
    mapped = power @ matrix.T  # [T, 80]
    # Whisper frame j is centred on sample 160 j; ours t on 320 t + 199.5.
    t = (WHISPER_HOP * np.arange(WHISPER_FRAMES) - (OUR_WIN - 1) / 2) / OUR_HOP
    t = np.clip(t, 0, len(mapped) - 1)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, len(mapped) - 1)
    frac = (t - lo)[:, None]
    log_mapped = np.log10(np.maximum(mapped, 1e-10))
    inter = (1 - frac) * log_mapped[lo] + frac * log_mapped[hi]
    return whisper_normalize(inter.T, floor).astype(np.float32)


class Stem(torch.nn.Module):
    """Our log-mel [B, T, 128] -> Whisper's stem output [B, T, 384] at the same 20 ms rate."""

    def __init__(self, width=384, n_mels=OUR_MELS):
        super().__init__()
        self.conv1 = torch.nn.Conv1d(n_mels, width, 5, padding=2)
        self.conv2 = torch.nn.Conv1d(width, width, 3, padding=1)

    def forward(self, mel):
        # Natural-log features from -18.4 (silence) to about +10: centred and scaled
        # so the first layer starts in GELU's useful range.
        x = (mel.transpose(1, 2) + 8.0) / 6.0
        x = F.gelu(self.conv1(x))
        return F.gelu(self.conv2(x)).transpose(1, 2)



class MappedStem(torch.nn.Module):
    """Our log-mel [B, T, 128] -> fixed map to Whisper's 80 bins at 10 ms -> Whisper's
    conv1/conv2 (trainable, initialized from the encoder `t`) -> [B, T, 384]."""

    def __init__(self, whisper_tensors, matrix, floor):
        super().__init__()
        self.register_buffer("matrix", torch.tensor(matrix, dtype=torch.float32))
        self.floor = float(floor)
        t = {k.removeprefix("whisper.encoder."): v for k, v in whisper_tensors.items()}
        self.conv1 = torch.nn.Conv1d(t["conv1.weight"].shape[1], t["conv1.weight"].shape[0], 3, padding=1)
        self.conv2 = torch.nn.Conv1d(t["conv2.weight"].shape[1], t["conv2.weight"].shape[0], 3, stride=2, padding=1)
        with torch.no_grad():
            for conv, name in ((self.conv1, "conv1"), (self.conv2, "conv2")):
                conv.weight.copy_(t[name + ".weight"])
                conv.bias.copy_(t[name + ".bias"])

    def whisper_mel(self, mel):
        """[B, T, 128] -> Whisper-style log-mel [B, 80, 2T] with the fixed floor."""
        power = torch.clamp(torch.exp(mel) - OUR_LOG_FLOOR, min=0.0)
        log_mapped = torch.log10(torch.clamp(power @ self.matrix.T, min=1e-10))  # [B, T, 80]
        n = mel.shape[1]
        t = (WHISPER_HOP * torch.arange(2 * n, dtype=torch.float32) - (OUR_WIN - 1) / 2) / OUR_HOP
        t = t.clamp(0, n - 1)
        lo = t.floor().long()
        hi = (lo + 1).clamp(max=n - 1)
        frac = (t - lo.float())[None, :, None]
        inter = (1 - frac) * log_mapped[:, lo] + frac * log_mapped[:, hi]
        return ((torch.clamp(inter, min=self.floor) + 4.0) / 4.0).transpose(1, 2)

    def forward(self, mel):
        x = F.gelu(self.conv1(self.whisper_mel(mel)))
        return F.gelu(self.conv2(x)).transpose(1, 2)
