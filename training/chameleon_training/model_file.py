"""Edits of a model file's metadata that keep its network: how a Live correction or the styles'
attack times are written into an exported model."""

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


def at_least_version(meta: dict[str, str], version: int) -> None:
    """Raises the metadata's format version to ``version`` (never lowers it)."""
    meta[VERSION_KEY] = str(max(int(meta.get(VERSION_KEY, "1")), version))
