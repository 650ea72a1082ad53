"""What went wrong under the store, in words a writer can act on: a full disk or a read-only
store directory (the data is intact), and a Chroma server that cannot be reached."""

from __future__ import annotations

from pathlib import Path

from drafter.errors import StoreError

_DISK_FULL_SIGNS = (
    "database or disk is full",
    "(code: 13)",
    "disk i/o error",
    "no space left",
    "file too large",
    "quota exceeded",
)
_READ_ONLY_SIGNS = ("readonly database", "read-only file system", "permission denied")


def disk_problem(store_dir: Path, exc: BaseException, action: str) -> StoreError | None:
    """A plain message for a full disk or a store directory that cannot be written.

    Chroma reports these as raw database errors; the generic advice for a damaged store
    (delete it and ingest again) would be harmful here: the data is intact.
    """
    text = str(exc).lower()
    if isinstance(exc, PermissionError) or any(sign in text for sign in _READ_ONLY_SIGNS):
        return StoreError(
            f"向量库 {store_dir} {action}失败：该目录或其中的文件不可写（只读或权限不足）。"
            "Chroma 打开向量库时需要写入，只读取的命令也不例外；库中已有内容不受影响。",
            hint="给当前用户该目录及其中文件的写权限后重试（如 chmod -R u+w 目录）；"
            "只读的共享库可先复制到可写的位置，再用 --store 指定。",
        )
    if any(sign in text for sign in _DISK_FULL_SIGNS):
        return StoreError(
            f"向量库 {store_dir} {action}失败：磁盘已满或无法写入（{exc}）。"
            "本次未写完的文档没有入库，此前已入库的内容完好。",
            hint="清理磁盘空间后重新运行同一命令，已入库的文件会自动跳过；不要删除向量库。",
        )
    return None


def is_transport_error(exc: BaseException) -> bool:
    """A dropped or refused connection to a Chroma server (not a database error)."""
    try:
        import httpx
    except ImportError:  # pragma: no cover
        return False
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, ValueError) and "Could not connect" in str(exc)
