"""The study's JSON schema, generated from the settings' dataclasses (their one home).

``workflow/schemas/config.schema.yaml`` is this module's ``schema_text()`` (``fatenet schema``
prints it; a test fails when the committed file differs). Snakemake's ``validate`` reads it
and fills in every ``default``, so a study file lists only what differs. Each setting's type,
default, range, choices and description come from its ``config.setting`` field; the checks
that tie settings together stay in the dataclasses and run when the workflow builds its run
table. Every object lists its allowed keys in ``propertyNames`` (checked first, so an unknown
key is reported together with the allowed ones) and forbids any other key.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any

import yaml

from .config import OUTPUT_NEUTRAL, SECTIONS, SWEEPABLE
from .study import VARIANT_NAME, StudySettings

HEADER = """\
# JSON Schema (draft 2020-12, written in YAML) for a fatenet study configuration.
#
# GENERATED from the dataclasses in src/fatenet/config.py and src/fatenet/study.py: do not edit;
# run `fatenet schema > workflow/schemas/config.schema.yaml` (tests/test_config_schema.py checks it).
# Snakemake's validate() fills in every `default:` below, so a study file only lists what differs.
"""

_TYPES = {"int": "integer", "float": "number", "str": "string", "bool": "boolean", "tuple[int, ...]": "array",
          "tuple[float, ...]": "array", "tuple[str, ...]": "array"}


def field_schema(spec) -> dict[str, Any]:
    """The JSON schema of one ``config.setting`` field."""
    meta = spec.metadata
    out: dict[str, Any] = {"description": meta["description"], "type": _TYPES[spec.type]}
    if spec.type == "tuple[int, ...]":
        out["minItems"] = 1
        if meta.get("unique"):
            out["uniqueItems"] = True
        items: dict[str, Any] = {"type": "integer", "minimum": meta.get("item_minimum", 0)}
        if "item_maximum" in meta:
            items["maximum"] = meta["item_maximum"]
        out["items"] = items
    if spec.type == "tuple[float, ...]":
        out["minItems"] = 1
        out["items"] = {"type": "number"}
    if spec.type == "tuple[str, ...]":
        out["minItems"] = 1
        out["uniqueItems"] = True
        out["items"] = {"type": "string", "enum": list(meta["choices"])}
    if spec.type == "str" and "choices" not in meta:
        out["minLength"] = 1
    if "minimum" in meta:
        out["minimum"] = meta["minimum"]
    if "above" in meta:
        out["exclusiveMinimum"] = meta["above"]
    if "maximum" in meta:
        out["maximum"] = meta["maximum"]
    if "choices" in meta and spec.type == "str":
        out["enum"] = list(meta["choices"])
    default = spec.default if spec.default is not MISSING else spec.default_factory()
    out["default"] = list(default) if isinstance(default, tuple) else default
    return out


def _object(description: str, cls) -> dict[str, Any]:
    names = [spec.name for spec in fields(cls)]
    return {"description": description, "type": "object", "default": {}, "propertyNames": {"enum": names},
            "additionalProperties": False, "properties": {spec.name: field_schema(spec) for spec in fields(cls)}}


def study_schema() -> dict[str, Any]:
    """The whole schema as a mapping: the study's own keys, the settings sections, sweep and variants."""
    study = fields(StudySettings)
    properties: dict[str, Any] = {spec.name: field_schema(spec) for spec in study}
    for name, cls in SECTIONS.items():
        properties[name] = _object(cls.DESCRIPTION, cls)
    properties["sweep"] = {
        "description": "grid of section.key -> list of values; the study runs every grid point (cartesian product "
                       "of the lists) with every seed",
        "type": "object", "default": {}, "propertyNames": {"enum": list(SWEEPABLE)}, "additionalProperties": False,
        "properties": {key: {"$ref": "#/$defs/sweep_of",
                             "items": {"$ref": "#/properties/{}/properties/{}".format(*key.split("."))}}
                       for key in SWEEPABLE},
    }
    properties["variants"] = {
        "description": "named configurations compared side by side, each a mapping of section.key to a value "
                       "applied over the study's settings (before the sweep); one run per variant, sweep point and "
                       "seed, in folders variant~<name>/...",
        "type": "object", "default": {}, "propertyNames": {"pattern": VARIANT_NAME},
        "additionalProperties": {"type": "object", "propertyNames": {"$ref": "#/properties/sweep/propertyNames"},
                                 "properties": {key: {"$ref": "#/properties/{}/properties/{}".format(*key.split("."))}
                                                for key in SWEEPABLE}},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "a fatenet study (seeds x sweep grid -> one training run each)",
        "type": "object",
        "propertyNames": {"enum": list(properties)},
        "additionalProperties": False,
        "properties": properties,
        "$defs": {"sweep_of": {"description": "the values one swept parameter takes (a non-empty list without "
                                              "repeats)", "type": "array", "minItems": 1, "uniqueItems": True}},
    }


class _Dumper(yaml.SafeDumper):
    """Mappings as blocks, lists of plain values on one line."""


def _list(dumper: yaml.SafeDumper, data: list):
    flat = all(not isinstance(v, (dict, list)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _list)


def schema_text() -> str:
    """``study_schema()`` as the YAML text of ``workflow/schemas/config.schema.yaml``."""
    return HEADER + yaml.dump(study_schema(), Dumper=_Dumper, sort_keys=False, width=110, default_flow_style=False)


def _markdown_value(value: Any) -> str:
    """A default as it is written in a study file (YAML flow style): 0.01, open, true, [8, 8]."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_markdown_value(v) for v in value) + "]"
    if value == "":
        return '""'
    return str(value)


def _markdown_allowed(spec) -> str:
    """What a setting may be, from the metadata ``field_schema`` turns into the schema (or its ``allowed`` text)."""
    if "allowed" in spec.metadata:
        return spec.metadata["allowed"].removeprefix("must be ").removeprefix("a ")
    out = field_schema(spec)
    bounds = [f"{sign} {out[key]}" for key, sign in (("exclusiveMinimum", ">"), ("minimum", ">="),
                                                     ("maximum", "<="))
              if key in out]
    if "enum" in out:
        return "one of " + ", ".join(f"`{choice}`" for choice in out["enum"])
    if out["type"] == "array":
        items = out["items"]
        distinct = "distinct " if out.get("uniqueItems") else ""
        if "enum" in items:
            return f"non-empty list of {distinct}" + ", ".join(f"`{choice}`" for choice in items["enum"])
        item_bounds = [f"{sign} {items[key]}" for key, sign in (("minimum", ">="), ("maximum", "<=")) if key in items]
        noun = "integers" if items["type"] == "integer" else "numbers"
        return f"non-empty list of {distinct}{noun}" + (" " + " and ".join(item_bounds) if item_bounds else "")
    if out["type"] == "boolean":
        return "`true` or `false`"
    if out["type"] == "string":
        return "non-empty string"
    noun = "integer" if out["type"] == "integer" else "number"
    return noun + (" " + " and ".join(bounds) if bounds else "")


def _markdown_text(text: str) -> str:
    """Prose from the metadata, safe in a Markdown table: no column breaks, no tags (``variant~<name>``)."""
    return text.replace("|", "\\|").replace("<", "&lt;")


def _markdown_table(specs) -> list[str]:
    rows = ["| key | default | allowed | description |", "|---|---|---|---|"]
    for spec in specs:
        default = spec.default if spec.default is not MISSING else spec.default_factory()
        cells = (f"`{spec.name}`", f"`{_markdown_value(default)}`", _markdown_text(_markdown_allowed(spec)),
                 _markdown_text(spec.metadata["description"]))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def reference_markdown() -> str:
    """Every key of a study file as Markdown: per section a table of key, default, allowed values
    and description, generated from the same ``config.setting`` metadata as ``study_schema()``
    (the documentation's configuration page includes it at build time)."""
    lines = ["## Study keys", "",
             "Top-level keys of the study file, beside the settings sections, `sweep` and `variants`.", "",
             *_markdown_table(fields(StudySettings))]
    for name, cls in SECTIONS.items():
        lines += ["", f"## `{name}`: {cls.DESCRIPTION}", "",
                  f"Keys of the `{name}:` mapping; each can be swept or set by a variant as `{name}.<key>`"
                  + (" (except " + ", ".join(f"`{key}`" for key in OUTPUT_NEUTRAL[name])
                     + ", which changes no number)" if name in OUTPUT_NEUTRAL else "") + ".", "",
                  *_markdown_table(fields(cls))]
    schema = study_schema()["properties"]
    for name in ("sweep", "variants"):
        text = schema[name]["description"]
        lines += ["", f"## `{name}`", "", _markdown_text(text[:1].upper() + text[1:]) + ". Default: `{}`."]
    return "\n".join(lines) + "\n"
