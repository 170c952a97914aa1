"""Evaluation views: confusion matrix with a cell gallery, per-class table, random predictions,
data explorer and model comparison, gathered in `panel.EvaluationPanel`."""
