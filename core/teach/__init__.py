"""Teaching a trained image model the drawings it got wrong: the personal set (personal_set.py),
the folders of drawings `main.py teach` reads (drawings_dir.py), the fine-tune of a copy of the
model with a class-balanced replay of its own training data (finetune.py), the forgetting check
on a fixed slice of the test set and the whole teaching step (session.py), and the taught model
kept as a run in the history (record.py). The original checkpoint is never written."""
