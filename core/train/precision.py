"""Mixed precision for the training steps (--mixed-precision): bfloat16 where the hardware runs it
natively, float32 everywhere else.

Under torch.autocast the convolutions and matrix products of a training step run in bfloat16 while
the weights, the optimiser and the loss stay float32; the test pass, predictions and exports are
plain float32 whatever the setting. bfloat16 is only faster where the hardware has it: Intel CPUs
with AMX or AVX-512 BF16 (oneDNN then about halves fashion-best's step time on two cores) and
CUDA GPUs that support it. Elsewhere it would be emulated and slower, so the setting then does
nothing and the trainer says so.
"""
from __future__ import annotations

import contextlib
import os

import torch

# oneDNN's ISA caps (ONEDNN_MAX_CPU_ISA, or its older name DNNL_MAX_CPU_ISA) that still let it run
# bfloat16 natively. Below them (AVX2, AVX512_CORE, ...) a CPU that has bfloat16 is used as one
# without it: oneDNN would emulate bfloat16, ~15x slower than float32, as on an AVX2-only CPU.
_BF16_ISAS = ("AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX10", "ALL", "DEFAULT")


def _isa_cap_allows_bfloat16() -> bool:
    cap = (os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "").upper()
    return not cap or cap.startswith(_BF16_ISAS)


def native_bfloat16(device: torch.device) -> bool:
    """True where bfloat16 convolutions run in hardware on `device`."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type != "cpu" or not _isa_cap_allows_bfloat16():
        return False
    try:  # private but long-standing helpers; an older or other build just answers False
        return bool(torch.cpu._is_amx_tile_supported() or torch.cpu._is_avx512_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def autocast(device: torch.device, enabled: bool):
    """The context a training step's forward pass and loss run in."""
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)
