"""Where a study lives: an Optuna storage URL (default: a SQLite file in the user data folder;
`postgresql://user:password@host/db` for a study several machines share). Opening one that cannot
be used (locked, damaged, made by a newer Optuna, unreachable) is one line (StudyError), and the
sweep does not start.
"""
from __future__ import annotations

import logging
import re
from typing import Callable, Optional

from core.paths import user_data_dir

SQLITE_WAIT_S = 10  # how long a write waits for another process's (then: "locked")


class StudyError(Exception):
    """A study that cannot be used, in one line."""


def default_url() -> str:
    return f"sqlite:///{user_data_dir() / 'studies.sqlite3'}"


def shown(url: str) -> str:
    """The URL as lines and JSON show it: with any password hidden."""
    try:
        from sqlalchemy.engine import make_url
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say it as given, its own error will follow
        return re.sub(r"://([^:/@]*):[^@]*@", r"://\1:***@", url)


def _quiet() -> None:
    """Optuna's own log lines ("A new study created", "Trial 3 finished ...") would go to stderr
    beside the sweep's: the sweep says what happened itself."""
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)


def open_storage(url: str):
    """An Optuna RDBStorage for `url`; StudyError in one line when it cannot be used."""
    import optuna
    _quiet()
    where = shown(url)
    kwargs = {}
    if url.startswith("sqlite:"):
        kwargs = {"connect_args": {"timeout": SQLITE_WAIT_S}}
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StudyError(f"the study's database {where} cannot be made ({e})") from None
    try:
        return optuna.storages.RDBStorage(url, engine_kwargs=kwargs)
    except Exception as e:  # sqlalchemy's and optuna's errors; each said in words below
        raise StudyError(why(e, where)) from None


def why(e: Exception, where: str) -> str:
    import optuna
    text = " ".join(str(e).split())
    low = text.lower()
    if "database is locked" in low or "database is busy" in low:
        return (f"the study's database {where} is locked by another program: try again when it "
                "is free")
    if "not a database" in low or "malformed" in low or "disk image" in low:
        return f"the study's database {where} is damaged ({_first(text)}): name another --storage"
    made = re.search(r"set up by optuna ([0-9][^)\s]*)", text, re.I) or \
        re.search(r"can't locate revision identified by '([^']+)'", text, re.I)
    if made or "no longer compatible" in low:
        version = made.group(1) if made else "another version"
        if _newer(version, optuna.__version__) or "revision" in low:
            return (f"the study's database {where} was made by a newer Optuna ({version}); this "
                    f"TrainDesk has Optuna {optuna.__version__}: use a newer TrainDesk with it")
        return (f"the study's database {where} was made by an older Optuna ({version}): upgrade "
                f"it with `optuna storage upgrade --storage URL`")
    if isinstance(e, (ModuleNotFoundError, ImportError)) or "can't load plugin" in low:
        return f"the study's database {where} needs a driver that is not installed ({_first(text)})"
    return f"the study's database {where} cannot be used ({_first(text)})"


def _first(text: str) -> str:
    text = re.sub(r"\(Background on this error at:.*", "", text)
    text = re.sub(r"^\([\w.]+\)\s*", "", text)
    return text[:200].strip()


def _newer(a: str, b: str) -> bool:
    def parts(v: str) -> tuple:
        return tuple(int(x) for x in re.findall(r"\d+", v)[:3])
    try:
        return parts(a) > parts(b)
    except ValueError:
        return False


def open_study(name: str, url: Optional[str], direction: str, model: str, space: dict,
               sampler_for: Callable[[bool], object], pruner):
    """(study, the URL as shown, whether this process joined a study that was there).

    The study is made if it is not there; one that is there must be of the same model, direction
    and search space (its runs' figures would not compare otherwise, and Optuna refuses a
    setting's values drawn two ways). `space`: {setting: [values] or {"low", "high", "log"}}."""
    import optuna
    url = url or default_url()
    storage = open_storage(url)
    where = shown(url)
    try:
        try:
            study = optuna.load_study(study_name=name, storage=storage, sampler=sampler_for(True),
                                      pruner=pruner)
            joined = True
        except KeyError:  # not there yet; another process may make it at this moment
            try:
                study = optuna.create_study(study_name=name, storage=storage, direction=direction,
                                            sampler=sampler_for(False), pruner=pruner)
                study.set_user_attr("model", model)
                study.set_user_attr("space", space)
                joined = False
            except optuna.exceptions.DuplicatedStudyError:
                study = optuna.load_study(study_name=name, storage=storage,
                                          sampler=sampler_for(True), pruner=pruner)
                joined = True
    except StudyError:
        raise
    except ValueError:
        raise
    except Exception as e:
        raise StudyError(why(e, where)) from None
    if joined:
        theirs = study.user_attrs.get("model")
        if theirs and theirs != model:
            raise StudyError(f"the study {name!r} in {where} trains {theirs}, not {model}: name "
                             "another --study")
        if len(study.directions) != 1 or study.direction.name.lower() != direction:
            raise StudyError(f"the study {name!r} in {where} does not {direction} the test figure "
                             "as this sweep would: name another --study")
        theirs = study.user_attrs.get("space")
        if isinstance(theirs, dict) and theirs != space:
            raise StudyError(f"the study {name!r} in {where} searches {_space_text(theirs)}, not "
                             f"{_space_text(space)}: give the same values, or name another --study")
    return study, where, joined


def _space_text(space: dict) -> str:
    def one(v) -> str:
        if isinstance(v, dict):
            return f"{v.get('low'):g}:{v.get('high'):g}" + (":log" if v.get("log") else "")
        return ",".join(f"{x:g}" if isinstance(x, float) else str(x) for x in v)
    return " ".join(f"{k} {one(v)}" for k, v in space.items()) or "nothing"
