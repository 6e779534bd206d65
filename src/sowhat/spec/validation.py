"""Pydantic validation errors turned into diagnostics a person can act on.

Pydantic knows what is wrong and where in the data (a path of keys and indexes); the YAML
document knows where that path is in the file. This module joins the two and rewrites the
validator's wording into `what is wrong; what to write instead`.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from sowhat.errors import Diagnostic
from sowhat.spec.yamlio import YamlDocument, YamlPath, key_location, to_plain

M = TypeVar("M", bound=BaseModel)


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest known word, if one is close enough to be a typo."""
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}?" if match else None


def validate_node(
    model: type[M], node: Any, doc: YamlDocument, base: YamlPath = ()
) -> tuple[M | None, list[Diagnostic]]:
    """Validate one YAML node against a model; on failure, every problem with its location."""
    try:
        return model.model_validate(to_plain(node)), []
    except ValidationError as exc:
        return None, [_diagnostic(err, base, model, doc) for err in exc.errors()]


def _diagnostic(err: Any, base: YamlPath, model: type[BaseModel], doc: YamlDocument) -> Diagnostic:
    loc: YamlPath = tuple(err["loc"])
    full = base + loc
    kind = err["type"]
    key = _last_key(loc)
    value = err.get("input")
    if kind == "extra_forbidden":
        unknown = str(loc[-1])
        allowed = _fields_at(model, loc[:-1])
        hint = did_you_mean(unknown, allowed) if allowed else None
        if hint is None and allowed:
            hint = "allowed keys: " + ", ".join(sorted(allowed))
        return Diagnostic(
            key_location(doc.data, base + loc[:-1], unknown, doc.display),
            f"unknown key {unknown!r}",
            hint,
        )
    where = doc.locate(full)
    if kind == "missing":
        return Diagnostic(
            where, f"missing required key {key!r}", f"add `{key}:` to this entry"
        )
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
        text, _, hint = message.partition("; ")
        prefix = f"{key}: " if key and not text.startswith(f"{key}") else ""
        return Diagnostic(where, prefix + text, hint or None)
    if kind in {"float_parsing", "float_type", "int_parsing", "int_type", "finite_number"}:
        return Diagnostic(where, f"{key}: expected a number, got {value!r}", "write a plain number")
    if kind in {"string_type"}:
        return Diagnostic(where, f"{key}: expected text, got {value!r}", "quote the value")
    if kind.startswith("date") or kind.startswith("datetime"):
        return Diagnostic(where, f"{key}: expected a date, got {value!r}", "write YYYY-MM-DD")
    if kind in {"dict_type", "model_type", "model_attributes_type"}:
        return Diagnostic(where, f"{key}: expected a mapping (key: value lines), got {value!r}")
    if kind in {"list_type", "tuple_type"}:
        return Diagnostic(where, f"{key}: expected a list (lines starting with '- ')")
    if kind in {"literal_error", "enum"}:
        choices = message.removeprefix("Input should be ")
        return Diagnostic(where, f"{key}: {value!r} is not allowed", f"use one of {choices}")
    if kind == "string_pattern_mismatch":
        return Diagnostic(
            where,
            f"{key}: {value!r} is not a valid name",
            "use lowercase letters, digits, '-' and '_', starting with a letter",
        )
    if kind == "union_tag_invalid":
        ctx = err.get("ctx") or {}
        tag, expected = str(ctx.get("tag", "")), str(ctx.get("expected_tags", ""))
        tags = [c.strip().strip("'") for c in expected.split(",") if c.strip()]
        if tag and tags:  # e.g. `type: summ` in metrics.yaml
            where = doc.locate((*full, str(ctx.get("discriminator", "type")).strip("'")))
            hint = did_you_mean(tag, tags) or "use one of " + ", ".join(tags)
            return Diagnostic(where, f"{key}: type {tag!r} is not a known type", hint)
        return Diagnostic(where, f"{key}: {message}")
    return Diagnostic(where, f"{key}: {message}" if key else message)


def _last_key(loc: YamlPath) -> str:
    for part in reversed(loc):
        if isinstance(part, str):
            return part
    return ""


def _fields_at(model: Any, loc: YamlPath) -> set[str]:
    """The keys allowed at `loc` under `model`, following lists, dicts and tagged unions."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return set()
    return _model_keys(current)


def _model_keys(tp: Any) -> set[str]:
    keys: set[str] = set()
    for member in _members(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            for name, field in member.model_fields.items():
                keys.add(field.alias or name)
    return keys


def _members(tp: Any) -> list[Any]:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _members(typing.get_args(tp)[0])
    if origin is typing.Union or isinstance(tp, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(tp):
            out.extend(_members(arg))
        return out
    return [tp]


def _step(tp: Any, part: str | int) -> Any:
    for member in _members(tp):
        origin = typing.get_origin(member)
        if isinstance(member, type) and issubclass(member, BaseModel):
            for name, field in member.model_fields.items():
                if part in (name, field.alias):
                    return field.annotation
            tagged = _tagged_member(tp, part)
            if tagged is not None:
                return tagged
        elif origin in (list, tuple) and isinstance(part, int):
            return typing.get_args(member)[0]
        elif origin is dict and isinstance(part, str):
            return typing.get_args(member)[1]
    return _tagged_member(tp, part)


def _tagged_member(tp: Any, tag: str | int) -> Any:
    """The union member whose `type` literal equals `tag` (pydantic puts tags in locations)."""
    for member in _members(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            field = member.model_fields.get("type")
            if field is not None and tag in typing.get_args(field.annotation):
                return member
    return None
