"""Add a policy from the web app while it keeps answering: one background job at a time.

The job is `add_policy` (assistant.ingest.adding), the same code path as
`add-policy --yes`: the files are written into corpus/, the index is built
aside (build_index stages a new build and switches CURRENT only when it is
complete) and, if the build fails, the new files are removed again, so the
policies already loaded and the index in use are never touched.  Only then is
`switch` called (the web app loads the new Assistant and swaps it in); until
that moment every question is answered by the Assistant loaded before.

A second job while one runs is refused with a Chinese message (two builds
would race on CURRENT and on the corpus files).

`checkpoint` is called at the named steps STEPS ("building": the files are
written and build_index has started; "built": the new index is in CURRENT,
the app not yet switched), so a test can hold a job there and check that the
app still answers from the old policies.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from assistant.errors import AssistantError
from assistant.ingest.adding import PolicyDraft, add_policy
from assistant.ingest.reading import IngestError
from assistant.settings import Settings

__all__ = ["STEPS", "PolicyPublisher", "PublishProgress"]

STEPS = ("building", "built")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PublishProgress:
    """Where the latest job is: its lines so far, and once over, whether it succeeded."""

    title: str = ""
    lines: tuple[str, ...] = ()
    running: bool = False
    succeeded: bool = False
    message: str = ""  # the outcome, in Chinese, once the job is over


class PolicyPublisher:
    """Runs add_policy and then `switch` in a background thread; one job at a time."""

    def __init__(self, settings: Settings, checkpoint: Callable[[str], None] = lambda step: None) -> None:
        self.settings = settings
        self.checkpoint = checkpoint
        self._busy = threading.Lock()  # held for a job's whole life
        self._state = threading.Lock()  # guards _progress
        self._progress = PublishProgress()
        self._thread: threading.Thread | None = None

    @property
    def progress(self) -> PublishProgress:
        with self._state:
            return self._progress

    def start(self, draft: PolicyDraft, switch: Callable[[], str]) -> None:
        """Start adding `draft`; IngestError at once when another job is still running.

        `switch` loads the new policies into the running app and returns a line saying so.
        """
        if not self._busy.acquire(blocking=False):
            raise self._busy_error()
        title = str(draft.metadata.get("title") or draft.metadata.get("doc_id"))
        self._set(PublishProgress(title=title, lines=(f"开始收录《{title}》：写入政策库……",), running=True))
        self._thread = threading.Thread(target=self._run, args=(draft, switch), name="add-policy", daemon=True)
        self._thread.start()

    def check_idle(self) -> None:
        """IngestError when a job is running (checked again, under the lock, by start)."""
        if self._busy.locked():
            raise self._busy_error()

    def _busy_error(self) -> IngestError:
        return IngestError(f"《{self.progress.title}》正在收录并重建索引，请等它完成后再收录下一份政策")

    def wait(self, timeout: float | None = None) -> PublishProgress:
        """Wait for the job started last (for callers that have nothing else to do)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.progress

    def _run(self, draft: PolicyDraft, switch: Callable[[], str]) -> None:
        doc_id = draft.metadata["doc_id"]
        try:
            started: list[str] = []

            def report(line: str) -> None:
                self._note(line)
                if not started:  # build_index's first line: the files are written, the build has begun
                    started.append(line)
                    self.checkpoint("building")

            try:
                add_policy(draft, self.settings, output=report)
            except AssistantError as error:
                self._finish(False, f"未收录，政策库和正在使用的索引保持原样，助手照常回答：{error}")
                return
            except Exception as error:  # the edge of a thread: log it, say one Chinese line
                logger.exception("adding a policy failed")
                self._finish(False, f"未收录（程序内部出错：{type(error).__name__}），政策库和正在使用的索引保持原样")
                return
            self._note("索引已重建，正在加载新的政策库……")
            self.checkpoint("built")
            try:
                switched = switch()
            except Exception as error:
                if not isinstance(error, AssistantError):
                    logger.exception("switching to the new policies failed")
                self._finish(False, f"《{draft.metadata['title']}》已收录（corpus/{doc_id}.*）并已重建索引，但网页服务"
                                    f"未能切换到新的政策库：{error}。请在「关于」页点击「重新加载政策库」或重启网页服务；"
                                    "在此之前仍按原来的政策库回答")
                return
            self._finish(True, f"已收录《{draft.metadata['title']}》（doc_id：{doc_id}），{switched}")
        finally:
            self._busy.release()

    def _note(self, line: str) -> None:
        with self._state:
            self._progress = PublishProgress(self._progress.title, (*self._progress.lines, line), running=True)

    def _finish(self, succeeded: bool, message: str) -> None:
        with self._state:
            old = self._progress
            self._progress = PublishProgress(old.title, old.lines, running=False, succeeded=succeeded, message=message)

    def _set(self, progress: PublishProgress) -> None:
        with self._state:
            self._progress = progress
