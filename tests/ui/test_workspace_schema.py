"""The label schema builder driven by a project manager: Chinese-only labels get generated values, the picker
preview, errors next to their field, reorder, a keypoint skeleton, versions, a Label Studio config previewed
before it is applied; screenshots in zh-CN and en."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from conftest import Server
from playwright.sync_api import expect
from workspace_helpers import member, new_page, new_project, shoot, sign_in

LS_CONFIG = Path("/work/shared/samples/label-studio/config-rectangles.xml")
LS_XML = (
    LS_CONFIG.read_text(encoding="utf-8")
    if LS_CONFIG.exists()
    else """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label alias="crack" value="裂纹" background="green"/>
    <Label alias="porosity" value="气孔" background="#ff8800"/>
  </RectangleLabels>
</View>"""
)


def test_manager_builds_a_chinese_only_schema(chromium: Any, server: Server, shots: Path) -> None:
    pid = new_project(server, "C线 焊点")
    email, password = member(server, pid, "manager", "mgr-schema@factory-a.example.com", "李经理")
    page = new_page(chromium, server, "zh-CN")
    try:
        sign_in(page, server, email, password)
        page.goto(f"{server.base}/#/projects/{pid}/labels")
        expect(page.get_by_test_id("schema-form")).to_contain_text("还没有标签")
        for _ in range(3):
            page.get_by_test_id("add-label").click()
        cards = page.get_by_test_id("label-card")
        cards.nth(0).get_by_test_id("name-zh").fill("裂纹")
        cards.nth(1).get_by_test_id("name-zh").fill("气孔")
        cards.nth(2).get_by_test_id("name-zh").fill("焊点")
        # the stored value the API will generate is shown before saving
        expect(cards.nth(0).get_by_test_id("label-value")).to_contain_text(re.compile(r"l-[0-9a-f]{8}"))
        preview = page.get_by_test_id("picker-preview")
        expect(preview.locator(".label-name")).to_have_text(["裂纹", "气孔", "焊点"])
        # a hotkey twice: the message stands next to the second one
        cards.nth(1).get_by_test_id("hotkey").fill("1")
        page.get_by_test_id("save-schema").click()
        expect(cards.nth(1)).to_contain_text("有两个标签使用了同一个快捷键")
        cards.nth(1).get_by_test_id("hotkey").fill("2")
        # keypoints with a two-point skeleton on the third label, moved to the top
        cards.nth(2).get_by_text("关键点").click()
        skeleton = cards.nth(2).get_by_test_id("skeleton-editor")
        for point in ("起点", "终点"):
            skeleton.get_by_test_id("skeleton-point-name").fill(point)
            skeleton.get_by_test_id("skeleton-add-point").click()
        cards.nth(2).get_by_test_id("move-up").click()
        cards.nth(1).get_by_test_id("move-up").click()
        expect(preview.locator(".label-name")).to_have_text(["焊点", "裂纹", "气孔"])
        shoot(page, shots, "schema-builder", "zh-CN")
        page.get_by_test_id("save-schema").click()
        expect(page.get_by_test_id("schema-versions")).to_contain_text("第 1 版")
        saved = server.admin.call("GET", f"/projects/{pid}/label-schema")["labels"]
        assert [label["names"] for label in saved] == [
            {"zh-CN": "焊点"},
            {"zh-CN": "裂纹"},
            {"zh-CN": "气孔"},
        ]
        assert all(re.fullmatch(r"l-[0-9a-f]{8}", label["value"]) for label in saved)
        assert saved[0]["skeleton"]["points"] == ["起点", "终点"] and "keypoints" in saved[0]["tools"]
        # the English picker preview falls back to the Chinese names until English ones are given
        preview.get_by_text("English").click()
        expect(preview).to_contain_text("Labels")

        # a Label Studio config: nothing changes until the mapping has been seen and applied
        page.get_by_test_id("ls-import").click()
        page.get_by_test_id("ls-config").fill("<View><Nope")
        page.get_by_test_id("ls-preview").click()
        expect(page.get_by_role("dialog")).to_contain_text("无法读取 Label Studio 标注配置")
        page.get_by_test_id("ls-config").fill(LS_XML)
        page.get_by_test_id("ls-preview").click()
        mapping = page.get_by_test_id("ls-mapping")
        expect(mapping).to_contain_text("裂纹")
        expect(mapping).to_contain_text("crack")
        assert server.admin.call("GET", f"/projects/{pid}/label-schema")["version"] == 1
        shoot(page, shots, "schema-label-studio", "zh-CN")
        page.get_by_test_id("ls-apply").click()
        expect(page.get_by_test_id("schema-versions")).to_contain_text("第 2 版")
        after = server.admin.call("GET", f"/projects/{pid}/label-schema")
        assert after["version"] == 2 and "crack" in [label["value"] for label in after["labels"]]
        assert page.foreign_requests == []  # type: ignore[attr-defined]
    finally:
        page.context.close()

    english = new_page(chromium, server, "en")
    try:
        sign_in(english, server, email, password)
        english.goto(f"{server.base}/#/projects/{pid}/labels")
        expect(english.get_by_test_id("label-card").first).to_be_visible()
        shoot(english, shots, "schema-builder", "en")
        english.get_by_test_id("ls-import").click()
        english.get_by_test_id("ls-config").fill(LS_XML)
        english.get_by_test_id("ls-preview").click()
        expect(english.get_by_test_id("ls-mapping")).to_contain_text("crack")
        shoot(english, shots, "schema-label-studio", "en")
    finally:
        english.context.close()
