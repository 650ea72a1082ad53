"""User-facing errors: raised with a Chinese message, shown without a traceback."""

from __future__ import annotations


class DrafterError(Exception):
    """An error the user can fix; the message is Simplified Chinese and names the fix."""

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n提示：{self.hint}"


class InputError(DrafterError):
    """A file or argument the user gave cannot be used; `path` names the file when known."""

    def __init__(self, message: str, *, hint: str | None = None, path: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.path = path


class StoreError(DrafterError):
    """The vector store cannot be opened, written or is busy."""


class ConfigError(DrafterError):
    """Settings are invalid or unsafe (for example a remote endpoint not allowed)."""
