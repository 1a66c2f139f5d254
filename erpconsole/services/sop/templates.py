"""SOP templates: one TOML file per procedure, ``*.sop.toml``, read into ``SopTemplate``.

TOML, like the inventory, so teams learn one format and no new dependency comes in. The full
description with an example is ``erpconsole/resources/sops/FORMAT.md``; in short::

    id = "daily-inspection"            # required: lower case, digits, - and _
    title = "Daily inspection"         # required
    version = "1"                      # optional, "1" by default
    description = "..."                # optional
    schedule = "daily 08:30"           # optional: daily HH:MM | weekly mon HH:MM | monthly D HH:MM

    [[sections]]
    title = "Hardware and resources"   # required; a section holds at least one step

      [[sections.steps]]
      id = "disk"                      # required, unique in the file
      title = "Every host's disks below 85%"   # required
      kind = "check"                   # required: manual | check | action | approval
      check = "hosts_disk_below"       # check: a name from services/sop/checks.py
      params = { max_percent = 85 }    # check: its parameters (optional)
      evidence = "ticket number"       # manual / action / approval: what must be given to tick
      action = "backups"               # action: a page name, or "drill:<backup set>"
      role = "DBA"                     # approval: who signs (required)
      why = "A full disk stops the database and the ERP with it."
      article = "https://..."          # a knowledge article: a URL or a path

A file that is refused gives one ``TemplateError`` naming FILE:LINE and what to change (the
line of the key, or of the table, that is wrong). Bundled templates live in
``erpconsole/resources/sops``; the team's own, in folders given to ``load_templates``, replace
a bundled one with the same id.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from erpconsole.config import toml_limits
from erpconsole.config.fields import clip, closest
from erpconsole.config.lines import Path_, SourceLines
from erpconsole.i18n import _
from erpconsole.services.sop.checks import CHECKS, check_names
from erpconsole.services.sop.schedule import parse_schedule
from erpconsole.services.sop.models import (
    ACTION, APPROVAL, CHECK, STEP_KINDS, SopSection, SopStep, SopTemplate, TemplateError,
)

SUFFIX = ".sop.toml"
MAX_BYTES = 4 << 20
_TOP_KEYS = ("id", "title", "version", "description", "schedule", "sections")
_SECTION_KEYS = ("title", "steps")
_STEP_KEYS = ("id", "title", "kind", "why", "article", "check", "params", "evidence", "action", "role")
# Keys that belong to one kind only: written on another kind they are a mistake, not a no-op.
_KIND_KEYS = {"check": CHECK, "params": CHECK, "action": ACTION, "role": APPROVAL}
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")
_ACTION = re.compile(r"([a-z][a-z_]*|drill:\S+)\Z")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


class SopTemplateError(ValueError):
    """A template file that was refused; ``error`` says FILE:LINE and what is wrong."""

    def __init__(self, error: TemplateError) -> None:
        super().__init__(str(error))
        self.error = error


# -- one file -----------------------------------------------------------------------------------

class _File:
    """The file being read: turns a key path into FILE:LINE for every refusal."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = SourceLines(text)

    def fail(self, where: Path_, message: str) -> NoReturn:
        # Something missing at the top of the file has no line of its own: the first line is it.
        raise SopTemplateError(TemplateError(self.path, self.lines.line_of(where) or 1, message))


def parse_template(path: str | Path, bundled: bool = False) -> SopTemplate:
    """Reads one ``*.sop.toml`` file; SopTemplateError (``.error``: FILE:LINE) when refused."""
    path = str(path)
    text = _read(path)
    raw = _toml(path, text)
    src = _File(path, text)
    _known_keys(src, (), raw, _TOP_KEYS, _("the template"))
    for key in ("id", "title"):
        if not _text(src, (key,), raw.get(key)):
            src.fail((), _('the template has no {key}; add {key} = "..." at the top').format(key=key))
    template_id = raw["id"].strip()
    if not _ID.match(template_id):
        src.fail(("id",), _('id "{id}" may hold only lower-case letters, digits, "-", "_" and "."; '
                            'for example "daily-inspection"').format(id=clip(template_id)))
    schedule = _text(src, ("schedule",), raw.get("schedule"))
    if schedule:
        try:
            parse_schedule(schedule)
        except ValueError as exc:
            src.fail(("schedule",), str(exc))
    sections = _sections(src, raw.get("sections"))
    return SopTemplate(
        id=template_id, title=raw["title"].strip(), version=_version(src, raw.get("version", "1")),
        description=_text(src, ("description",), raw.get("description")), schedule=schedule,
        sections=sections, source=path, bundled=bundled)


def _read(path: str) -> str:
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SopTemplateError(TemplateError(path, None, _("cannot be read ({reason})").format(
            reason=exc.strerror or exc))) from None
    if len(data) > MAX_BYTES:  # a procedure is a few KB; this is not one
        raise SopTemplateError(TemplateError(path, None, _(
            "is over {mb} MB, far more than any procedure; check that this is a template").format(
            mb=MAX_BYTES >> 20)))
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SopTemplateError(TemplateError(path, line, _(
            "not UTF-8 text (byte 0x{byte:02x}); save the file as UTF-8").format(byte=data[exc.start]))) from None


def _toml(path: str, text: str) -> dict[str, Any]:
    code = toml_limits.code_only(text)
    deep = toml_limits.too_deep(code)
    if deep is not None:  # tomllib would recurse once per level into a RecursionError
        raise SopTemplateError(TemplateError(path, toml_limits.line_at(text, deep), _(
            "lists or tables are nested more than {n} deep here; a template needs a few levels: "
            "check the brackets and braces on this line").format(n=toml_limits.MAX_NESTING)))
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        _refuse_toml(path, text, exc)
    except RecursionError:  # nesting the scan did not see; never a traceback
        raise SopTemplateError(TemplateError(path, None, _(
            "lists or tables are nested too deep to read; check the brackets and braces"))) from None
    except ValueError:  # Python's int_max_str_digits, raised past tomllib's own errors
        at = toml_limits.too_long_number(code)
        raise SopTemplateError(TemplateError(path, None if at is None else toml_limits.line_at(text, at), _(
            "a number here has thousands of digits; check the value on this line"))) from None


def _refuse_toml(path: str, text: str, exc: tomllib.TOMLDecodeError) -> NoReturn:
    message, line, at = str(exc), None, ""
    found = _TOML_AT.search(message)
    if found:
        message, line = message[:found.start()], int(found[1])
        at = _(" at column {column}").format(column=found[2])
    elif "end of document" in message:
        message, line = message.replace("(at end of document)", "").strip(), text.count("\n") + 1
    raise SopTemplateError(TemplateError(path, line, _(
        "not valid TOML: {message}{at}; check the quotes, brackets and = on this line").format(
        message=message, at=at))) from None


def _known_keys(src: _File, where: Path_, raw: dict, allowed: tuple[str, ...], title: str) -> None:
    for key in raw:
        if key not in allowed:
            guess = closest(key, allowed)
            hint = _('; did you mean "{guess}"?').format(guess=guess) if guess else "."
            src.fail(where + (key,), _('unknown key "{key}" in {title}{hint} Allowed keys: {allowed}').format(
                key=clip(key), title=title, hint=hint, allowed=", ".join(allowed)))


def _text(src: _File, where: Path_, value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        src.fail(where, _('{key} must be text in quotes (got {got!r})').format(key=where[-1], got=value))
    return value.strip()


def _version(src: _File, value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # version = 2 is what people write; keep it
    return _text(src, ("version",), value) or "1"


def _sections(src: _File, raw: Any) -> tuple[SopSection, ...]:
    if raw is None or raw == []:
        src.fail((), _("the template has no sections; add [[sections]] with a title and at least "
                       "one [[sections.steps]]"))
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        src.fail(("sections",), _("sections must be tables: write [[sections]] (two brackets) before each"))
    seen: dict[str, Path_] = {}
    out = []
    for i, section in enumerate(raw):
        where: Path_ = ("sections", i)
        _known_keys(src, where, section, _SECTION_KEYS, _("a section"))
        title = _text(src, where + ("title",), section.get("title"))
        if not title:
            src.fail(where, _('this section has no title; add title = "..."'))
        steps = section.get("steps")
        if not steps:
            src.fail(where, _('section "{title}" has no steps; add [[sections.steps]] under it').format(title=title))
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            src.fail(where + ("steps",), _("steps must be tables: write [[sections.steps]] before each"))
        out.append(SopSection(title, tuple(_step(src, where + ("steps", j), raw_step, seen)
                                           for j, raw_step in enumerate(steps))))
    return tuple(out)


def _step(src: _File, where: Path_, raw: dict, seen: dict[str, Path_]) -> SopStep:
    _known_keys(src, where, raw, _STEP_KEYS, _("a step"))
    fields = {key: _text(src, where + (key,), raw.get(key)) for key in _STEP_KEYS if key != "params"}
    for key in ("id", "title", "kind"):
        if not fields[key]:
            src.fail(where, _('this step has no {key}; add {key} = "..." (required: id, title, kind)').format(key=key))
    step_id, kind = fields["id"], fields["kind"]
    if not _ID.match(step_id):
        src.fail(where + ("id",), _('step id "{id}" may hold only lower-case letters, digits, "-", "_" '
                                    'and "."').format(id=step_id))
    if step_id in seen:
        src.fail(where + ("id",), _('step id "{id}" is used twice (first on line {line}); each step needs '
                                    'its own id').format(id=step_id, line=src.lines.line_of(seen[step_id] + ("id",))))
    seen[step_id] = where
    if kind not in STEP_KINDS:
        guess = closest(kind, STEP_KINDS)
        hint = _(' (did you mean "{guess}"?)').format(guess=guess) if guess else ""
        src.fail(where + ("kind",), _('unknown kind "{kind}"{hint}; a step is one of {kinds}').format(
            kind=kind, hint=hint, kinds=", ".join(STEP_KINDS)))
    for key, only in _KIND_KEYS.items():
        if key in raw and kind != only:
            src.fail(where + (key,), _('{key} belongs to kind = "{only}" steps, and this one is "{kind}"').format(
                key=key, only=only, kind=kind))
    params = _kind_rules(src, where, kind, fields, raw.get("params"))
    return SopStep(id=step_id, title=fields["title"], kind=kind, why=fields["why"], article=fields["article"],
                   check=fields["check"], params=params, evidence=fields["evidence"], action=fields["action"],
                   role=fields["role"], line=src.lines.line_of(where))


def _kind_rules(src: _File, where: Path_, kind: str, fields: dict[str, str], params: Any
                ) -> tuple[tuple[str, str], ...]:
    if kind == CHECK:
        return _check(src, where, fields["check"], params)
    if kind == APPROVAL and not fields["role"]:
        src.fail(where, _('an approval step names who signs; add role = "..." (for example "DBA")'))
    if kind == ACTION and not _ACTION.match(fields["action"]):
        src.fail(where + ("action",), _('an action step names a page ("backups", "access", "hosts") or a '
                                        'drill ("drill:<backup set>"); add action = "..."'))
    return ()


def _check(src: _File, where: Path_, name: str, params: Any) -> tuple[tuple[str, str], ...]:
    if not name:
        src.fail(where, _('a check step names its check; add check = "..." (known checks: {known})').format(
            known=", ".join(check_names())))
    spec = CHECKS.get(name)
    if spec is None:
        guess = closest(name, check_names())
        hint = _(' (did you mean "{guess}"?)').format(guess=guess) if guess else ""
        src.fail(where + ("check",), _('no check named "{name}"{hint}; known checks: {known}').format(
            name=name, hint=hint, known=", ".join(check_names())))
    if params is None:
        return ()
    if not isinstance(params, dict):
        src.fail(where + ("params",), _("params must be a table, like params = {{ max_percent = 85 }}"))
    for key, value in params.items():
        error = spec.param_error(key, value)
        if error:
            src.fail(where + ("params", key), error)
    return tuple((key, f"{params[key]:g}") for key in sorted(params))


# -- folders ------------------------------------------------------------------------------------

def bundled_paths() -> list[str]:
    folder = resources.files("erpconsole.resources") / "sops"
    return sorted(str(f) for f in folder.iterdir() if f.name.endswith(SUFFIX))


def load_templates(dirs=(), bundled: bool = True) -> tuple[list[SopTemplate], list[TemplateError]]:
    """The bundled templates, then each folder's ``*.sop.toml`` in order. A user template
    replaces a bundled one with the same id; a second user file with an id already taken is
    refused, naming both files. A folder that does not exist is reported (a shared drive not
    mounted must not look like "no templates"): create the user's own folder before calling."""
    found: dict[str, SopTemplate] = {}
    errors: list[TemplateError] = []
    for path in bundled_paths() if bundled else []:
        _add(path, True, found, errors)
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            errors.append(TemplateError(str(folder), None, _(
                "this template folder does not exist or is not a folder; check the path (a shared "
                "drive may not be mounted)")))
            continue
        for path in sorted(folder.glob("*" + SUFFIX)):
            _add(str(path), False, found, errors)
    return sorted(found.values(), key=lambda t: t.title.casefold()), errors


def _add(path: str, bundled: bool, found: dict[str, SopTemplate], errors: list[TemplateError]) -> None:
    try:
        template = parse_template(path, bundled=bundled)
    except SopTemplateError as exc:
        errors.append(exc.error)
        return
    other = found.get(template.id)
    if other is not None and not other.bundled:
        errors.append(TemplateError(path, _id_line(path), _(
            'id "{id}" is already used by {other}; give this template its own id, or remove one of '
            'the two files').format(id=template.id, other=other.source)))
        return
    found[template.id] = template


def _id_line(path: str) -> int | None:
    try:
        return SourceLines(Path(path).read_text(encoding="utf-8-sig")).line_of(("id",))
    except (OSError, UnicodeDecodeError):
        return None
