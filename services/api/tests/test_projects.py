"""Projects and label schemas: validation, versioning, renames, Label Studio config import."""

from __future__ import annotations

from pathlib import Path

SAMPLE = Path("/work/shared/samples/label-studio/config-rectangles.xml")
LS_XML = (
    SAMPLE.read_text(encoding="utf-8")
    if SAMPLE.exists()
    else """<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="label" toName="image">
    <Label alias="crack" showAlias="true" value="裂纹" background="green"/>
    <Label alias="porosity" showAlias="true" value="气孔" background="#ff8800"/>
    <Label alias="undercut" showAlias="true" value="咬边" background="blue"/>
  </RectangleLabels>
</View>"""
)


def _label(value, **kw):
    return {"value": value, "names": {"en": value}, "tools": ["bbox"], **kw}


def test_schema_validation_rejects_duplicates_and_bad_colours(env):
    project = env.project()
    h = env.token(env.user("manager", project))
    url = f"/api/v1/projects/{project.id}/label-schema"
    c = env.client
    dup = c.put(url, json={"labels": [_label("a"), _label("a")]}, headers=h)
    assert dup.status_code == 422 and dup.json()["code"] == "duplicate_label_value"
    keys = c.put(url, json={"labels": [_label("a", hotkey="q"), _label("b", hotkey="Q")]}, headers=h)
    assert keys.json()["code"] == "duplicate_hotkey"
    colour = c.put(url, json={"labels": [_label("a", color="reddish")]}, headers=h)
    assert colour.status_code == 422 and "colour" in colour.json()["detail"]
    kp = c.put(url, json={"labels": [_label("a", tools=["keypoints"])]}, headers=h)
    assert kp.status_code == 422 and "skeleton" in kp.json()["detail"]
    assert c.get(url, headers=h).json()["version"] == 1  # nothing was written


def test_schema_versions_and_rename_never_rewrites_annotations(env):
    project = env.project()
    manager = env.user("manager", project)
    h = env.token(manager)
    c = env.client
    (task_id,) = env.tasks(project, 1)
    shape = {"id": "s1", "type": "bbox", "label": "crack", "x": 1, "y": 1, "w": 5, "h": 5}
    ann = c.post(
        f"/api/v1/projects/{project.id}/tasks/{task_id}/annotations", json={"result": [shape]}, headers=h
    ).json()
    labels = c.get(f"/api/v1/projects/{project.id}/label-schema", headers=h).json()["labels"]
    labels[0]["names"]["zh-CN"] = "裂缝"
    r = c.put(f"/api/v1/projects/{project.id}/label-schema", json={"labels": labels}, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 2
    old = c.get(f"/api/v1/projects/{project.id}/label-schema/versions/1", headers=h).json()
    assert old["labels"][0]["names"]["zh-CN"] == "裂纹"
    again = c.get(f"/api/v1/projects/{project.id}/annotations/{ann['id']}", headers=h).json()
    assert again["result"][0]["label"] == "crack" and again["version"] == 1
    same = c.put(f"/api/v1/projects/{project.id}/label-schema", json={"labels": labels}, headers=h)
    assert same.json()["version"] == 2  # unchanged schema is not a new version


def test_label_studio_config_import(env):
    project = env.project(labels=[])
    h = env.token(env.user("manager", project))
    r = env.client.post(
        f"/api/v1/projects/{project.id}/label-schema/import-label-studio",
        json={"config": LS_XML, "locale": "zh-CN"},
        headers=h,
    )
    assert r.status_code == 200, r.text
    labels = r.json()["labels"]
    assert [x["value"] for x in labels] == ["crack", "porosity", "undercut"]
    assert labels[0]["names"] == {"zh-CN": "裂纹", "en": "crack"}
    assert labels[1]["names"]["zh-CN"] == "气孔"
    assert labels[0]["color"] == "#008000" and labels[1]["color"] == "#ff8800"
    assert all(x["tools"] == ["bbox"] for x in labels)


def test_label_studio_import_variants_and_bad_xml(env):
    from labelhive_api.projects.label_studio import import_config

    labels = import_config(
        """<View><PolygonLabels name="p" toName="i"><Label value="Crack"/><Label value="焊瘤"/></PolygonLabels>
        <Choices name="c" toName="i"><Choice value="ok"/></Choices></View>""",
        "zh-CN",
    )
    assert next(x["value"] for x in labels) == "Crack"
    assert labels[1]["value"] and labels[1]["names"]["zh-CN"] == "焊瘤"
    assert labels[2]["tools"] == ["tag"]
    project = env.project(labels=[])
    h = env.token(env.user("manager", project))
    url = f"/api/v1/projects/{project.id}/label-schema/import-label-studio"
    for bad in ["<View><Label", '<!DOCTYPE x [<!ENTITY a "aaaa">]><View>&a;</View>', "<View><Image/></View>"]:
        r = env.client.post(url, json={"config": bad}, headers=h)
        assert r.status_code == 422 and r.json()["code"] == "invalid_label_config", bad


def test_chinese_only_labels_get_generated_stable_values(env):
    from labelhive_api.projects.label_schema import generated_value

    project = env.project(labels=[])
    h = env.token(env.user("manager", project))
    url = f"/api/v1/projects/{project.id}/label-schema"
    labels = [
        {"names": {"zh-CN": "裂纹"}, "tools": ["bbox", "polygon"]},
        {"names": {"zh-CN": "气孔", "en": "Gas pore"}},
        {"names": {"zh-CN": "裂纹 "}},  # the same name again gets its own id
    ]
    before = env.client.get(url, headers=h).json()["version"]
    preview = env.client.post(f"{url}/preview", json={"labels": labels}, headers=h)
    assert preview.status_code == 200, preview.text
    assert env.client.get(url, headers=h).json()["version"] == before  # the preview saved nothing
    r = env.client.put(url, json={"labels": labels}, headers=h)
    assert r.status_code == 200, r.text
    values = [x["value"] for x in r.json()["labels"]]
    crack = generated_value({"zh-CN": "裂纹"})
    assert values == [crack, "gas_pore", f"{crack}-2"]
    assert [x["value"] for x in preview.json()["labels"]] == values
    assert all(v.isascii() for v in values) and crack.startswith("l-")
    # Saving again by display name only (renamed in English, reordered) keeps every id.
    again = [
        {"names": {"en": "Porosity", "zh-CN": "气孔"}},
        {"names": {"zh-CN": "裂纹"}, "tools": ["bbox", "polygon"]},
    ]
    r = env.client.put(url, json={"labels": again}, headers=h)
    assert [x["value"] for x in r.json()["labels"]] == ["gas_pore", crack]
    bad = env.client.put(url, json={"labels": [{"tools": ["bbox"]}]}, headers=h)
    assert bad.status_code == 422


def test_label_studio_config_merges_controls_and_maps_value_and_alias(env):
    from labelhive_api.formats.checks import LabelLookup
    from labelhive_api.projects.label_schema import generated_value

    xml = """<View><Image name="image" value="$image"/>
      <RectangleLabels name="box" toName="image"><Label value="裂纹"/><Label value="气孔" alias="pore"/>
        <Label value="咬边" alias="咬边缺陷"/></RectangleLabels>
      <PolygonLabels name="poly" toName="image"><Label value="裂纹"/><Label value="气孔" alias="pore"/>
      </PolygonLabels>
      <KeyPointLabels name="kp" toName="image"><Label value="端点"/></KeyPointLabels></View>"""
    project = env.project(labels=[])
    h = env.token(env.user("manager", project))
    url = f"/api/v1/projects/{project.id}/label-schema/import-label-studio"
    preview = env.client.post(f"{url}/preview", json={"config": xml}, headers=h)
    assert preview.status_code == 200, preview.text
    r = env.client.post(url, json={"config": xml}, headers=h)
    assert r.status_code == 200, r.text
    labels = r.json()["labels"]
    assert preview.json()["labels"] == labels
    assert [x["value"] for x in labels] == [
        generated_value({"zh-CN": "裂纹"}),
        "pore",
        generated_value({"zh-CN": "咬边"}),
        generated_value({"zh-CN": "端点"}),
    ]
    assert labels[0]["tools"] == ["bbox", "polygon"] and labels[1]["tools"] == ["bbox", "polygon"]
    assert labels[1]["names"] == {"zh-CN": "气孔", "en": "pore"}
    assert labels[2]["aliases"] == ["咬边缺陷"] and labels[2]["names"] == {"zh-CN": "咬边"}
    assert labels[3]["tools"] == ["keypoints"] and labels[3]["skeleton"]["points"] == ["端点"]
    # What Label Studio writes into results (alias, else value) finds each label.
    matcher = LabelLookup(labels)
    assert [matcher.value_for(s) for s in ["裂纹", "pore", "咬边缺陷", "端点"]] == [
        x["value"] for x in labels
    ]
    # Importing the same config again keeps the ids.
    r = env.client.post(url, json={"config": xml}, headers=h)
    assert [x["value"] for x in r.json()["labels"]] == [x["value"] for x in labels]
    sample = env.client.post(url, json={"config": LS_XML}, headers=h).json()["labels"]
    assert [x["value"] for x in sample] == ["crack", "porosity", "undercut"]


def test_members_are_managed_within_grants(env):
    project = env.project()
    manager = env.user("manager", project)
    shared = env.project()
    other = env.user("annotator", shared)  # someone the manager already works with in another project
    from labelhive_api.projects.models import Membership

    with env.db.session() as s:
        s.add(Membership(project_id=shared.id, user_id=manager.id, role="annotator"))
    h = env.token(manager)
    c = env.client
    url = f"/api/v1/projects/{project.id}/members"
    stranger = env.user()  # exists, but shares nothing with the manager: answered like a missing account
    assert (
        c.post(url, json={"email": stranger.email, "role": "reviewer"}, headers=h).json()["code"]
        == "user_not_found"
    )
    assert (
        c.post(url, json={"email": other.email, "role": "admin"}, headers=h).json()["code"]
        == "role_not_grantable"
    )
    assert c.post(url, json={"email": other.email, "role": "reviewer"}, headers=h).status_code == 201
    assert (
        c.post(url, json={"email": other.email, "role": "reviewer"}, headers=h).json()["code"]
        == "already_member"
    )
    assert c.patch(f"{url}/{other.id}", json={"role": "annotator"}, headers=h).status_code == 204
    roles = {m["user_id"]: m["role"] for m in c.get(url, headers=h).json()}
    assert roles[other.id] == "annotator"
    assert c.delete(f"{url}/{other.id}", headers=h).status_code == 204
    assert (
        c.post(url, json={"email": "ghost@example.com", "role": "reviewer"}, headers=h).json()["code"]
        == "user_not_found"
    )
