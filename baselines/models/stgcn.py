"""ST-GCN (Yan et al., AAAI 2018) on the 22-joint iMiGUE graph with spatial partitioning.

Input ``x (N, T, V, C)``: N clips, T frames (fixed, see ``data.UniformSample``), V = 22 joints,
C channels per joint. Output logits ``(N, num_classes)``. ``lengths`` is accepted and ignored
so every skeleton model shares one call signature.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from baselines.skeleton import IMIGUE22_CENTER, IMIGUE22_EDGES, NUM_JOINTS, hop_distance


def spatial_adjacency(
    num_nodes: int = NUM_JOINTS, edges=IMIGUE22_EDGES, center: int = IMIGUE22_CENTER
) -> np.ndarray:
    """``(3, V, V)``: root, centripetal and centrifugal subsets, normalised by node degree.

    A neighbour j of i is centripetal when it is closer (in hops) to the centre joint than i,
    centrifugal when farther, root otherwise — the "spatial configuration" partitioning.
    """
    hops = hop_distance(num_nodes, tuple(edges))
    adj = (hops <= 1).astype(np.float64)
    deg = adj.sum(0)
    norm = adj / deg[None, :]  # column-normalised, as in the reference implementation
    to_centre = hops[:, center]
    a = np.zeros((3, num_nodes, num_nodes))
    for i in range(num_nodes):
        for j in range(num_nodes):
            if hops[j, i] > 1:
                continue
            if to_centre[j] == to_centre[i]:
                a[0, j, i] = norm[j, i]
            elif to_centre[j] < to_centre[i]:
                a[1, j, i] = norm[j, i]
            else:
                a[2, j, i] = norm[j, i]
    return a.astype(np.float32)


class STGCNBlock(nn.Module):
    """Spatial graph conv (one 1×1 conv per subset) → temporal conv (k×1), with a residual."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        num_subsets: int,
        stride: int = 1,
        kernel_t: int = 9,
        dropout: float = 0.0,
        residual: bool = True,
    ) -> None:
        super().__init__()
        self.num_subsets = num_subsets
        self.gcn = nn.Conv2d(c_in, c_out * num_subsets, 1)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, (kernel_t, 1), (stride, 1), ((kernel_t - 1) // 2, 0)),
            nn.BatchNorm2d(c_out),
            nn.Dropout(dropout),
        )
        if not residual:
            self.res = None
        elif c_in == c_out and stride == 1:
            self.res = nn.Identity()
        else:
            self.res = nn.Sequential(nn.Conv2d(c_in, c_out, 1, (stride, 1)), nn.BatchNorm2d(c_out))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """``x (N, C, T, V)``, ``a (K, V, V)`` → ``(N, C_out, T / stride, V)``."""
        n, _, t, v = x.shape
        y = self.gcn(x).view(n, self.num_subsets, -1, t, v)
        y = torch.einsum("nkctv,kvw->nctw", y, a)
        y = self.tcn(y)
        return self.relu(y + (self.res(x) if self.res is not None else 0))


class STGCN(nn.Module):
    """Data BN → ST-GCN blocks with learnable edge importance → global pooling → linear."""

    def __init__(
        self,
        num_classes: int = 32,
        in_channels: int = 3,
        channels: tuple[int, ...] = (64, 64, 128, 128, 256, 256),
        strides: tuple[int, ...] = (1, 1, 2, 1, 2, 1),
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        a = torch.from_numpy(spatial_adjacency())
        self.register_buffer("A", a)
        v = a.shape[1]
        self.data_bn = nn.BatchNorm1d(in_channels * v)
        blocks, c_prev = [], in_channels
        for i, (c, s) in enumerate(zip(channels, strides, strict=True)):
            blocks.append(STGCNBlock(c_prev, c, a.shape[0], s, dropout=dropout, residual=i > 0))
            c_prev = c
        self.blocks = nn.ModuleList(blocks)
        self.importance = nn.ParameterList([nn.Parameter(torch.ones_like(a)) for _ in blocks])
        self.fc = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        n, t, v, c = x.shape
        x = self.data_bn(x.permute(0, 2, 3, 1).reshape(n, v * c, t))
        x = x.view(n, v, c, t).permute(0, 2, 3, 1).contiguous()  # (N, C, T, V)
        for block, imp in zip(self.blocks, self.importance, strict=True):
            x = block(x, self.A * imp)
        return self.fc(x.mean(dim=(2, 3)))


def stgcn(**cfg) -> STGCN:
    return STGCN(**cfg)
