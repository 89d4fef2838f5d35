"""Translators: what turns a text in one language into another. Chosen by TRANSLATION_BACKEND:

- "none" (the default): no service; the feature does not appear anywhere.
- "libretranslate": a LibreTranslate-compatible HTTP service at TRANSLATION_URL (the self-hosted
  LibreTranslate server is the reference): POST /translate {q, source, target, format, api_key}
  answers {translatedText}; GET /languages lists what it translates.

The client uses the standard library's urllib: two small JSON requests need no new dependency.
It waits TRANSLATION_TIMEOUT seconds per attempt and tries TRANSLATION_RETRIES more times, with a
short pause, after a failure to connect, a timeout, 429 or a 5xx; any other answer fails at once.
"""

import json
import time
import urllib.error
import urllib.request
from typing import Protocol

from flask import current_app


class TranslationError(Exception):
    """The service could not translate: unreachable, too slow, or refusing."""


class Translator(Protocol):
    enabled: bool

    def translate(self, text: str, source: str, target: str, *, html: bool = False) -> str:
        """`text` in `source` language, in `target`; with html=True, `text` is HTML whose markup is kept."""

    def languages(self) -> set[str]:
        """The language codes the service translates from and into."""


class NoTranslator:
    enabled = False

    def translate(self, text: str, source: str, target: str, *, html: bool = False) -> str:
        raise TranslationError("no translation service is configured")

    def languages(self) -> set[str]:
        return set()


class LibreTranslate:
    enabled = True

    def __init__(self, url: str, api_key: str | None = None, timeout: float = 20, retries: int = 2,
                 pause: float = 0.5):
        self.url = url.rstrip("/")
        self.api_key, self.timeout, self.retries, self.pause = api_key, timeout, retries, pause

    def translate(self, text: str, source: str, target: str, *, html: bool = False) -> str:
        payload = {"q": text, "source": source, "target": target, "format": "html" if html else "text"}
        if self.api_key:
            payload["api_key"] = self.api_key
        answer = self._call("POST", "/translate", payload)
        translated = answer.get("translatedText") if isinstance(answer, dict) else None
        if not isinstance(translated, str):
            raise TranslationError("the service answered without a translation")
        return translated

    def languages(self) -> set[str]:
        answer = self._call("GET", "/languages")
        if not isinstance(answer, list):
            raise TranslationError("the service answered without a list of languages")
        return {item["code"] for item in answer if isinstance(item, dict) and "code" in item}

    def _call(self, method: str, path: str, payload: dict | None = None):
        data = json.dumps(payload).encode() if payload is not None else None
        last: Exception | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.pause * 2 ** (attempt - 1))
            request = urllib.request.Request(self.url + path, data=data, method=method, headers={
                "Content-Type": "application/json", "Accept": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (configured URL)
                    return json.loads(response.read().decode("utf-8"))
            except urllib.error.HTTPError as error:
                last, reason = error, _reason(error)
                error.close()
                if error.code != 429 and error.code < 500:
                    raise TranslationError(f"the service refused: HTTP {error.code} {reason}") from None
                last = TranslationError(f"HTTP {error.code} {reason}")
            except (urllib.error.URLError, TimeoutError, OSError) as error:
                last = error
            except ValueError as error:  # not JSON
                raise TranslationError("the service's answer was not JSON") from error
        raise TranslationError(f"the service did not answer: {last}") from None


def _reason(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read().decode("utf-8")).get("error", ""))[:200]
    except Exception:  # noqa: BLE001 (only for the message)
        return ""


def translator(config=None) -> Translator:
    config = config if config is not None else current_app.config
    backend = (config.get("TRANSLATION_BACKEND") or "none").lower()
    if backend == "none":
        return NoTranslator()
    if backend == "libretranslate":
        if not config.get("TRANSLATION_URL"):
            raise RuntimeError("TRANSLATION_BACKEND is libretranslate but TRANSLATION_URL is not set")
        return LibreTranslate(config["TRANSLATION_URL"], config.get("TRANSLATION_API_KEY"),
                              timeout=float(config.get("TRANSLATION_TIMEOUT") or 20),
                              retries=int(config.get("TRANSLATION_RETRIES") or 0))
    raise RuntimeError(f"unknown TRANSLATION_BACKEND {backend!r}: use none or libretranslate")


def enabled(config=None) -> bool:
    config = config if config is not None else current_app.config
    return (config.get("TRANSLATION_BACKEND") or "none").lower() != "none"
