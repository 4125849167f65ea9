"""Every manager screen in zh-CN and in en, with the UI's translation check on: a key some screen looks up but
the current locale's catalogue lacks (no fallback to English while checking), or a visible string that is
plainly in the other language (a literal that never went through a catalogue), fails the test. Each screen is
kept as a screenshot `locale-<screen>.<locale>.png` among the test artifacts."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import IMAGE_SIZE, IMAGE_URL, Server
from playwright.sync_api import expect
from workspace_helpers import TABS, member, new_page, new_project, shoot, sign_in

# Names that are the same in every language: formats, protocols, products.
SAME_IN_EVERY_LANGUAGE = re.compile(
    r"\b(COCO( JSON)?|YOLO(-seg|-pose)?|Pascal VOC|Label Studio( JSON)?|CSV|JSON|ZIP|S3|URLs?|API|HMAC"
    r"|SHA-?256|Segment Anything|MobileSAM|SAM( ViT-[BLH])?|Swagger|LabelHive|English|ECharts|HTTPS?)\b"
)

# Visible text nodes, without form values and code; shapes of text that are plainly one language.
VISIBLE_TEXT = """() => {
  const out = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim()
    const el = node.parentElement
    if (!text || !el || el.closest('script, style, code, pre, textarea, [contenteditable]')) continue
    if (el.closest('[aria-hidden=true]')) continue
    const box = el.getBoundingClientRect()
    const style = getComputedStyle(el)
    if (box.width === 0 || box.height === 0 || style.visibility === 'hidden') continue
    out.push(text)
  }
  return out
}"""


def foreign_strings(texts: list[str], locale: str, data: set[str]) -> list[str]:
    """English phrases in the Chinese UI, Chinese in the English one (the test's own data excepted)."""
    found = []
    for text in texts:
        if text in data:
            continue
        # A language's own name is written in that language ("中文（简体）", "Name (中文)").
        if locale == "en" and re.search(r"[\u4e00-\u9fff]", re.sub(r"中文(（简体）)?", "", text)):
            found.append(text)
        if locale == "zh-CN" and re.search(
            r"[A-Za-z]{2,} [A-Za-z]{2,}", SAME_IN_EVERY_LANGUAGE.sub("", text).replace("@", " @")
        ):
            found.append(text)
    return found


def walk(page: Any, server: Server, pid: int, task_id: int, locale: str, shots: Path) -> dict[str, list[str]]:
    """Opens every screen (and the dialogs a manager opens there); returns the foreign strings per screen."""
    seen: dict[str, list[str]] = {}
    # This test's own data, and the shared server's first project (tests/ui/conftest.py).
    data = {
        "Weld seam defects, line 3",
        "A厂焊缝缺陷",
        "气孔",
        "裂纹",
        "L3-0042",
        "L3-0043",
        "q.c@line3.example.com",
        "s.r@line3.example.com",
        "Qc-Ann",
        "Sr-Rev",
    }

    def screen(name: str, hash_: str, ready: str, then: Callable[[], None] | None = None) -> None:
        page.goto(f"{server.base}/#{hash_}")
        expect(page.get_by_test_id(ready).first).to_be_visible()
        page.wait_for_load_state("networkidle")
        if then:
            then()
            page.wait_for_load_state("networkidle")
        shoot(page, shots, f"locale-{name}", locale)
        seen[name] = foreign_strings(page.evaluate(VISIBLE_TEXT), locale, data)

    # The walk covers every tab the workspace shows an admin (a new tab cannot slip past it).
    page.goto(f"{server.base}/#/projects/{pid}")
    links = page.get_by_test_id("workspace-tabs").locator("[data-testid^=tab-link-]")
    expect(links.first).to_be_visible()
    shown = [
        str(t).removeprefix("tab-link-") for t in links.evaluate_all("l => l.map(e => e.dataset.testid)")
    ]
    assert shown == TABS

    screen("projects", "/", "project-list")
    screen("new-project", "/projects/new", "project-form")
    screen("profile", "/profile", "profile")
    for tab in TABS:
        ready = {"overview": "workspace", "golden": "workspace", "settings": "danger-zone"}.get(
            tab, f"tab-{tab}"
        )
        if tab in ("labels",):
            ready = "schema-form"
        if tab == "members":
            ready = "member-list"
        screen(f"tab-{tab}", f"/projects/{pid}/{tab}", ready)

    # The dialogs and panels that open from those tabs.
    def new_export() -> None:
        page.get_by_test_id("new-export").click()
        expect(page.get_by_test_id("export-dialog")).to_be_visible()

    def select_tasks() -> None:
        page.get_by_test_id("task-grid").locator("thead .ant-checkbox-input").check()
        expect(page.get_by_test_id("selection-bar")).to_be_visible()
        page.get_by_test_id("bulk-new-batch").click()
        expect(page.get_by_test_id("new-batch-form")).to_be_visible()

    def add_webhook() -> None:
        page.get_by_test_id("add-webhook").click()
        expect(page.get_by_test_id("webhook-form")).to_be_visible()

    def add_label() -> None:
        page.get_by_test_id("add-label").click()
        page.get_by_test_id("ls-import").first.click()
        expect(page.get_by_test_id("ls-config")).to_be_visible()

    def invite() -> None:
        page.get_by_test_id("member-list").wait_for()
        page.get_by_text(re.compile("^(邀请成员|Invite people)$")).first.click()
        page.get_by_role("button", name=re.compile("^(生成邀请链接|Create invite link)$")).click()
        expect(page.get_by_test_id("invite-url")).to_be_visible()

    screen("export-dialog", f"/projects/{pid}/export", "tab-export", new_export)
    screen("tasks-selection", f"/projects/{pid}/tasks", "task-grid", select_tasks)
    screen("webhook-form", f"/projects/{pid}/webhooks", "tab-webhooks", add_webhook)
    screen("schema-label-studio", f"/projects/{pid}/labels", "schema-form", add_label)
    screen("members-invite", f"/projects/{pid}/members", "member-list", invite)
    # The pages a manager shares with the team: the review queue, my work and the editor.
    screen("review-queue", f"/projects/{pid}/review", "review-queue")
    screen("my-work", f"/projects/{pid}/mine", "my-work")
    screen("editor", f"/projects/{pid}/tasks/{task_id}", "editor-canvas")
    return seen


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_every_manager_screen_is_translated(chromium: Any, server: Server, shots: Path, locale: str) -> None:
    pid = new_project(
        server,
        "L3-0042" if locale == "zh-CN" else "L3-0043",
        labels=[
            {"names": {"zh-CN": "气孔", "en": "Pore"}, "color": "#2a9d8f", "tools": ["bbox", "polygon"]},
            {"names": {"zh-CN": "裂纹", "en": "Crack"}, "color": "#e4572e", "tools": ["bbox"]},
        ],
    )
    task_ids = server.admin.call(
        "POST",
        f"/projects/{pid}/tasks",
        json={
            "tasks": [
                {
                    "image": IMAGE_URL,
                    "filename": f"p-{n}.png",
                    "width": IMAGE_SIZE[0],
                    "height": IMAGE_SIZE[1],
                }
                for n in range(3)
            ]
        },
    )["ids"]
    suffix = "" if locale == "zh-CN" else "-en"
    member(server, pid, "annotator", f"q.c{suffix}@line3.example.com", "Qc-Ann")
    member(server, pid, "reviewer", f"s.r{suffix}@line3.example.com", "Sr-Rev")
    page = new_page(chromium, server, locale)
    page.context.add_init_script("window.__LABELHIVE_I18N_CHECK__ = true")
    try:
        sign_in(page, server)
        foreign = walk(page, server, pid, task_ids[0], locale, shots)
        missing = page.evaluate("window.__LABELHIVE_MISSING_KEYS__ || []")
        assert missing == [], f"keys missing from the {locale} catalogue: {missing}"
        assert {k: v for k, v in foreign.items() if v} == {}, f"strings not in {locale}"
        assert page.foreign_requests == []  # type: ignore[attr-defined]
    finally:
        page.context.close()
