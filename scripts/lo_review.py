"""Review a .docx in LibreOffice with track changes on, through UNO (a test fixture generator).

Run with the system Python that has the ``uno`` module (Debian: python3-uno)::

    /usr/bin/python3 scripts/lo_review.py IN.docx OUT.docx EDITS.json

EDITS.json: {"author": "李科长", "edits": [
  {"op": "replace", "old": "46项", "new": "48项"},
  {"op": "insert", "after": "推动重点任务落地见效", "text": "，审阅新增"},
  {"op": "delete_paragraph", "phrase": "…"}]}

LibreOffice starts headless with a private profile, records every edit as a tracked change
(RecordChanges) under the given author, and saves the result as Word 2007+ (.docx): a file
written by LibreOffice itself, not by python-docx. Exit code 0 on success.

Comments: inserting a ``com.sun.star.text.textfield.Annotation`` through UNO made
LibreOffice 7.4.7 (headless) crash while saving as .docx (the URP bridge is disposed in
``storeToURL``; it succeeded once in about ten runs), and so did switching recording on in
a document that already held a comment. This script therefore makes no comments; the
tests cover comments through LibreOffice with ``soffice --headless --convert-to docx`` of a
reviewed file that holds one (LibreOffice reads it and writes it again).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def _prop(name: str, value: Any) -> Any:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def _connect(pipe: str, profile: str) -> tuple[Any, subprocess.Popen[bytes]]:
    office = subprocess.Popen(
        [
            "soffice",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            f"-env:UserInstallation=file://{profile}",
            f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            return ctx, office
        except Exception:
            if time.monotonic() > deadline or office.poll() is not None:
                office.kill()
                raise
            time.sleep(0.5)


def _set_author(ctx: Any, author: str) -> None:
    provider = ctx.ServiceManager.createInstanceWithContext(
        "com.sun.star.configuration.ConfigurationProvider", ctx
    )
    access = provider.createInstanceWithArguments(
        "com.sun.star.configuration.ConfigurationUpdateAccess",
        (_prop("nodepath", "/org.openoffice.UserProfile/Data"),),
    )
    access.setPropertyValue("givenname", author)
    access.setPropertyValue("sn", "")
    access.commitChanges()


def _find(doc: Any, phrase: str) -> Any:
    search = doc.createSearchDescriptor()
    search.SearchString = phrase
    found = doc.findFirst(search)
    if found is None:
        raise SystemExit(f"phrase not found: {phrase}")
    return found


def _apply(doc: Any, edit: dict[str, str]) -> None:
    op = edit["op"]
    if op == "replace":
        found = _find(doc, edit["old"])
        found.setString(edit["new"])
    elif op == "insert":
        found = _find(doc, edit["after"])
        found.getText().insertString(found.getEnd(), edit["text"], False)
    elif op == "delete_paragraph":
        found = _find(doc, edit["phrase"])
        cursor = found.getText().createTextCursorByRange(found)
        cursor.gotoStartOfParagraph(False)
        cursor.gotoEndOfParagraph(True)
        cursor.goRight(1, True)  # the paragraph mark too
        cursor.setString("")
    else:
        raise SystemExit(f"unknown edit: {op}")


def main(argv: list[str]) -> int:
    source, target, spec_path = (Path(a).resolve() for a in argv[1:4])
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as profile:
        work = Path(profile) / "in.docx"  # LibreOffice leaves lock files beside what it opens
        work.write_bytes(source.read_bytes())
        ctx, office = _connect(f"drafter_lo_{os.getpid()}", profile + "/user")
        try:
            _set_author(ctx, spec.get("author", "审阅人"))
            desktop = ctx.ServiceManager.createInstanceWithContext(
                "com.sun.star.frame.Desktop", ctx
            )
            doc = desktop.loadComponentFromURL(work.as_uri(), "_blank", 0, (_prop("Hidden", True),))
            if doc is None:
                raise SystemExit(f"LibreOffice could not open {source}")
            doc.setPropertyValue("RecordChanges", True)
            for edit in spec["edits"]:
                _apply(doc, edit)
            doc.storeToURL(target.as_uri(), (_prop("FilterName", "MS Word 2007 XML"),))
            try:  # LibreOffice 7.4 headless may drop the bridge while closing: the file is saved
                doc.close(True)
                desktop.terminate()
            except Exception:
                pass
        except BaseException:
            office.kill()
            raise
        finally:
            try:
                office.wait(timeout=30)
            except subprocess.TimeoutExpired:
                office.kill()
                office.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
