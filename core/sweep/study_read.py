"""Reading a study back for people (the Sweep tab, "Join a study…"): its trials as plain dicts, the
best figure so far against the trial number, and Optuna's parameter importances once enough trials
have completed. Any process's trials, this machine's or another's sharing the database."""
from __future__ import annotations

from typing import Optional

from core.sweep.storage import StudyError, open_storage, shown

STATE = {"COMPLETE": "finished", "PRUNED": "pruned", "FAIL": "failed", "RUNNING": "running",
         "WAITING": "waiting"}
IMPORTANCE_AFTER = 5  # completed trials before the importances are worth showing


def study_names(url: str) -> list[str]:
    import optuna
    storage = open_storage(url)
    try:
        return sorted(s.study_name for s in optuna.get_all_study_summaries(storage,
                                                                           include_best_trial=False))
    except Exception as e:  # noqa: BLE001 - any database error, in one line
        raise StudyError(f"the studies in {shown(url)} cannot be read ({e})") from None


def read_study(url: str, name: str, importances: bool = True) -> dict:
    """{"name", "model", "space", "direction", "trials": [...], "history": [(number, best so far)],
    "importances": {setting: share} or None}. StudyError in one line."""
    import optuna
    storage = open_storage(url)
    try:
        study = optuna.load_study(study_name=name, storage=storage)
        frozen = study.get_trials(deepcopy=False)
    except KeyError:
        raise StudyError(f"there is no study {name!r} in {shown(url)}") from None
    except Exception as e:  # noqa: BLE001
        raise StudyError(f"the study {name!r} in {shown(url)} cannot be read ({e})") from None
    maximize = study.direction == optuna.study.StudyDirection.MAXIMIZE
    trials, history, best = [], [], None
    for t in sorted(frozen, key=lambda t: t.number):
        steps = sorted(t.intermediate_values)
        last = t.intermediate_values[steps[-1]] if steps else None
        value = t.value if t.state.name == "COMPLETE" else last
        trials.append({"number": t.number, "status": STATE.get(t.state.name, t.state.name.lower()),
                       "params": dict(t.params), "value": value, "epochs": steps[-1] if steps else 0,
                       "run_id": t.user_attrs.get("run_id")})
        if t.state.name == "COMPLETE" and t.value is not None:
            if best is None or (t.value > best if maximize else t.value < best):
                best = t.value
            history.append((t.number, t.value, best))
    return {"name": name, "model": study.user_attrs.get("model"), "space": study.user_attrs.get("space"),
            "direction": "maximize" if maximize else "minimize", "trials": trials,
            "history": history, "importances": _importances(study, len(history)) if importances else None}


def _importances(study, completed: int) -> Optional[dict]:
    if completed < IMPORTANCE_AFTER:
        return None
    import optuna
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (ValueError, RuntimeError):  # one value only, or a single setting that never varied
        return None
