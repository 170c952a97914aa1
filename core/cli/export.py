"""`main.py export`: a checkpoint as TorchScript, ONNX or a standalone training script (core/export/formats.py).

One JSON object on stdout, the human summary on stderr, like the other commands.
"""
from __future__ import annotations

import argparse

COMMAND = "export"

FORMAT_HELP = ("torchscript: a TorchScript archive (torch.jit.load); onnx: an ONNX model "
               "(onnxruntime); both take raw pixels 0..255 as float, [N, 1, 28, 28] for "
               "Fashion-MNIST's models and [N, 3, S, S] RGB for an image folder's, and normalise "
               "inside. script: one standalone Python file that trains a Fashion-MNIST run again "
               "with plain PyTorch (--epochs, --data-dir)")


def add_parser(subparsers) -> None:
    from core.cli.common import add_flag
    from core.config import TrainConfig
    from core.export.formats import CHECK_IMAGES, FORMATS, SUFFIXES
    from core.settings_spec import settings_of

    p = subparsers.add_parser(
        "export", help="export a checkpoint as TorchScript, ONNX or a standalone training script",
        description="Export an image model's checkpoint (Fashion-MNIST's or an image folder's) "
        "for use outside TrainDesk. The export is checked before it is written: it must give "
        "TrainDesk's logits on test images (for a script: its model class and input recipe, "
        "loaded with the checkpoint's weights). Without its test images the check runs on random "
        "pixels and says so.")
    p.add_argument("--checkpoint", required=True, help="a TrainDesk checkpoint (.safetensors)")
    p.add_argument("--format", required=True, choices=FORMATS, help=FORMAT_HELP)
    p.add_argument("--out", help="file to write, replaced if it exists (default: beside the "
                   f"checkpoint, named after it: {', '.join(SUFFIXES.values())})")
    p.add_argument("--check-images", type=int, default=CHECK_IMAGES, metavar="N",
                   help=f"test images to check the export on (default: {CHECK_IMAGES})")
    for spec in settings_of(TrainConfig):
        if spec.name == "data_dir":
            add_flag(p, spec)


def run(args: argparse.Namespace) -> int:
    from core.cli.common import Failure, emit, say
    from core.export.formats import ExportError, export

    if args.check_images < 1:
        raise Failure(f"--check-images must be at least 1, not {args.check_images}")
    try:
        report = export(args.checkpoint, args.format, args.out, data_dir=args.data_dir,
                        images=args.check_images, progress=say)
    except ExportError as e:
        raise Failure(str(e)) from e
    emit({"export": {"format": report.format, "path": str(report.path), "bytes": report.size_bytes,
                      "checked_on": report.checked_on, "checked_images": report.images_checked,
                      "max_abs_diff": report.max_abs_diff,
                      "predictions_agree": report.predictions_agree, "notes": report.notes}})
    for note in report.notes:
        say(f"Note: {note}")
    found = (f"the script's model class gives TrainDesk's logits to within {report.max_abs_diff:.2g}"
             if report.format == "script" else
             f"the largest difference from TrainDesk's logits is {report.max_abs_diff:.2g}")
    say(f"Exported {report.path} ({report.size_bytes:,} bytes); on {report.images_checked} "
         f"{report.checked_on} {found}, all predictions agree")
    return 0
