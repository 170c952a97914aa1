"""`main.py evaluate` and `main.py predict`: a trained image model's checkpoint, tested on its test
set or asked about image files."""
from __future__ import annotations

from core.cli.common import Failure, emit, image_checkpoint, say
from core.config import TrainConfig


def cmd_evaluate(args) -> int:
    from core import workflows
    from core.evaluation.evaluate import evaluate_model

    ckpt = image_checkpoint(args.checkpoint, "evaluate")
    # The test set it was trained against: its own image folder (or --image-folder), or
    # Fashion-MNIST's (from --data-dir, or found).
    config = TrainConfig.from_dict(ckpt.meta.get("config") or {})
    config.model = ckpt.meta["model_id"]
    config.data_dir = args.data_dir
    config.image_folder = args.image_folder or config.image_folder
    data = workflows.get(ckpt.meta["task"]).load(config)
    if list(data.classes) != list(ckpt.meta["classes"]):
        raise Failure(f"{config.image_folder} has the classes {', '.join(data.classes)[:200]}; "
                      f"{args.checkpoint} was trained on {', '.join(ckpt.meta['classes'])[:200]}")
    emit(evaluate_model(ckpt, data, args.device))
    return 0


def cmd_predict(args) -> int:
    from core.evaluation.evaluate import predict_image
    from core.pictures.framing import ImageError

    ckpt = image_checkpoint(args.checkpoint, "predict")
    failed = 0
    for image in args.images:
        try:
            probs = predict_image(ckpt, image)
        except ImageError as e:
            failed += 1
            emit({"image": image, "error": str(e)})
            continue
        index = max(range(len(probs)), key=probs.__getitem__)
        emit({"image": image, "label": ckpt.meta["classes"][index], "index": index,
               "probabilities": probs})
    if failed:
        say(f"{failed} of {len(args.images)} images could not be classified")
    return 1 if failed else 0
