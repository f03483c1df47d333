"""Edits of a model file's metadata that keep its network: how a Live correction, the styles'
attack times or their ensemble depths are written into an exported model."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

VERSION_KEY = "chameleon.format_version"


def rewrite_metadata(model_path: Path, out: Path, edit: Callable[[dict[str, str]], dict[str, str]]) -> None:
    """Copies the model at ``model_path`` to ``out`` with its metadata passed through ``edit``
    (a function from the key/value dict to the new one)."""
    import onnx

    proto = onnx.load(str(model_path))
    meta = edit({p.key: p.value for p in proto.metadata_props})
    del proto.metadata_props[:]
    for k, v in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = k, v
    onnx.save(proto, str(out))


def parse_per_style(meta: dict[str, str], key: str):
    """The comma-separated numbers of ``key`` (one per style) as a float64 array, or None when
    the metadata has no such key."""
    import numpy as np

    if key not in meta:
        return None
    return np.array([float(v) for v in meta[key].split(",")], dtype=np.float64)


def table_values(styles: list[str], field: str) -> list[float]:
    """The style table's ``field`` (a :class:`styles.Style` attribute) for ``styles``; 0 for a
    style the table does not know (a user's own style)."""
    from .styles import STYLES

    known = {s.ident: getattr(s, field) for s in STYLES}
    return [float(known.get(s, 0.0)) for s in styles]


def at_least_version(meta: dict[str, str], version: int) -> None:
    """Raises the metadata's format version to ``version`` (never lowers it)."""
    meta[VERSION_KEY] = str(max(int(meta.get(VERSION_KEY, "1")), version))


def write_per_style(model_path: Path, out: Path, key: str, values: list[float], text: str,
                    format_version: int, version: str | None = None) -> None:
    """Copies the model at ``model_path`` to ``out`` with ``key`` set to ``text`` (one value of
    ``values`` per style, which must match the model's styles in number), its format version
    raised to at least ``format_version`` and, when given, a new ``chameleon.model_version``."""

    def edit(meta: dict[str, str]) -> dict[str, str]:
        styles = meta["chameleon.styles"].split(",")
        if len(values) != len(styles):
            raise ValueError(f"{len(values)} values of {key} for {len(styles)} styles")
        meta[key] = text
        at_least_version(meta, format_version)
        if version is not None:
            meta["chameleon.model_version"] = version
        return meta

    rewrite_metadata(model_path, out, edit)


def write_without(model_path: Path, out: Path, *keys: str) -> None:
    """Copies the model at ``model_path`` to ``out`` without the metadata ``keys``."""
    rewrite_metadata(model_path, out, lambda meta: {k: v for k, v in meta.items() if k not in keys})


def per_style_main(argv, doc: str, option: str, what: str, table: Callable[[list[str]], list[float]],
                   write_into: Callable[..., None]) -> None:
    """The command line of a per-style key: ``MODEL OUT [--version V] [--OPTION a,b,...]``,
    writing ``table(styles)`` (the style table's values) unless ``--OPTION`` gives them."""
    import argparse

    import onnx

    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--version", default=None, help="new chameleon.model_version")
    ap.add_argument(f"--{option}", default=None,
                    help=f"comma-separated {what} per style (default: the style table's)")
    args = ap.parse_args(argv)
    meta = {p.key: p.value for p in onnx.load(str(args.model), load_external_data=False).metadata_props}
    styles = meta["chameleon.styles"].split(",")
    given = getattr(args, option.replace("-", "_"))
    values = [float(v) for v in given.split(",")] if given else table(styles)
    write_into(args.model, values, args.out, args.version)
    print(f"wrote {args.out}: " + ", ".join(f"{s} {v:g}" for s, v in zip(styles, values)))
