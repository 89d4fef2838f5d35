"""What a person previewed, kept until they confirm it: a JSON file in a folder of instance/,
for 24 hours, taken once, by that person only. The draft import and the invitations use it."""

import json
import re
import secrets
import time
from pathlib import Path

from flask import current_app

LIFETIME = 24 * 3600  # seconds a preview can wait for its confirmation


def _folder(name: str) -> Path:
    path = Path(current_app.instance_path) / name
    path.mkdir(parents=True, exist_ok=True)
    return path


def keep(folder: str, owner_id: int, payload: dict) -> str:
    """Store `payload` for `owner_id`; the token the confirmation form carries."""
    kept = _folder(folder)
    for old in kept.glob("*.json"):  # previews never confirmed
        if old.stat().st_mtime < time.time() - LIFETIME:
            old.unlink(missing_ok=True)
    token = secrets.token_urlsafe(24)
    (kept / f"{token}.json").write_text(json.dumps({"owner": owner_id, "payload": payload}), encoding="utf-8")
    return token


def claim(folder: str, owner_id: int, token: str) -> dict | None:
    """The payload kept under `token`, once: the file is renamed away first, so two confirmations
    cannot both use it. None when expired, already taken, or someone else's."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{20,64}", token or ""):
        return None
    path = _folder(folder) / f"{token}.json"
    taken = path.with_suffix(f".{secrets.token_hex(8)}.taken")
    try:
        if path.stat().st_mtime < time.time() - LIFETIME:
            return None
        path.rename(taken)
    except FileNotFoundError:
        return None
    try:
        kept = json.loads(taken.read_text(encoding="utf-8"))
        if kept["owner"] != owner_id:
            taken.rename(path)  # not theirs to take: leave it for its owner
            return None
    finally:
        taken.unlink(missing_ok=True)
    return kept["payload"]
