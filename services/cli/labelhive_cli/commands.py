"""`labelhive` commands: import a folder / zip / files / S3 prefix / URL list, export a project, list jobs."""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from labelhive_cli.client import Api, ApiError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="LabelHive from the command line (talks to the API with a token).",
)
console = Console(stderr=True)

UrlOption = Annotated[
    str, typer.Option("--url", envvar="LABELHIVE_URL", help="API base URL, e.g. https://labeling.example.com")
]
TokenOption = Annotated[
    str, typer.Option("--token", envvar="LABELHIVE_TOKEN", help="API token (create one in your profile)")
]
WaitOption = Annotated[bool, typer.Option("--wait/--no-wait", help="follow the job until it ends")]


def _api(url: str, token: str) -> Api:
    if not url or not token:
        console.print("[red]set --url and --token (or LABELHIVE_URL and LABELHIVE_TOKEN)[/red]")
        raise typer.Exit(2)
    return Api(url, token)


def _fail(exc: ApiError) -> typer.Exit:
    console.print(f"[red]{exc.status} {exc.code}[/red]: {exc.detail}")
    return typer.Exit(1)


def zip_folder(folder: Path, into: Path) -> int:
    """A folder as one zip (images stored, not recompressed); hidden files are left out."""
    count = 0
    with zipfile.ZipFile(into, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                archive.write(path, relative.as_posix())
                count += 1
    return count


def _follow_import(api: Api, project: int, job: dict[str, Any]) -> dict[str, Any]:
    with Progress(
        TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
    ) as bar:
        task = bar.add_task("import", total=None)

        def show(state: dict[str, Any]) -> None:
            bar.update(task, completed=state["done"], total=state["total"] or None)

        final = api.wait(f"projects/{project}/imports/{job['id']}", show)
    refused: list[dict[str, Any]] = []
    after = 0
    while final["refused"]:
        page = api.get(
            f"projects/{project}/imports/{job['id']}/items", state="refused", after=after, limit=1000
        )
        refused.extend(page["items"])
        if page["next_after"] is None:
            break
        after = page["next_after"]
    for item in refused:
        console.print(f"[yellow]refused[/yellow] {item['name']}: {item['reason']} {item['detail']}")
    unknown = (final.get("report") or {}).get("unknown_labels") or {}
    if unknown:
        console.print(
            f"[yellow]unknown labels (not imported)[/yellow]: {json.dumps(unknown, ensure_ascii=False)}"
        )
    console.print(
        f"import {final['id']} {final['state']}: {final['imported']} imported, {final['duplicates']} already there, "
        f"{final['refused']} refused, {final['shapes']} shapes"
    )
    return final


def _queue_import(api: Api, project: int, queue: Callable[[], dict[str, Any]], wait: bool) -> None:
    """Queues an import (`queue` makes the request), follows it unless told not to, prints its id as JSON;
    exits 1 when the job did not finish, with the API's message on an error."""
    try:
        job = queue()
        console.print(f"import job {job['id']} queued")
        if wait and _follow_import(api, project, job)["state"] != "finished":
            raise typer.Exit(1)
        print(json.dumps({"import_job": job["id"]}))
    except ApiError as exc:
        raise _fail(exc) from None
    finally:
        api.close()


@app.command("import")
def import_files(
    project: Annotated[int, typer.Argument(help="project id")],
    paths: Annotated[
        list[Path], typer.Argument(exists=True, help="a folder, zip archives, images or annotation files")
    ],
    url: UrlOption = "",
    token: TokenOption = "",
    format: Annotated[
        str, typer.Option("--format", help="images | coco | yolo | voc | labelstudio")
    ] = "images",
    annotations_as: Annotated[
        str, typer.Option("--as", help="imported shapes become predictions or annotations")
    ] = "predictions",
    model_version: Annotated[
        str | None, typer.Option(help="model version recorded on imported predictions")
    ] = None,
    label_map: Annotated[list[str], typer.Option("--map", help="category=label_value (repeat)")] = [],  # noqa: B006
    batch: Annotated[int | None, typer.Option("--batch", help="put the new tasks into this batch")] = None,
    wait: WaitOption = True,
) -> None:
    """Upload images, zip archives or a whole folder, and follow the import job."""
    api = _api(url, token)
    form: dict[str, str] = {"format": format, "annotations_as": annotations_as}
    if model_version:
        form["model_version"] = model_version
    if label_map:
        form["label_map"] = json.dumps(dict(item.split("=", 1) for item in label_map))
    if batch is not None:
        form["batch_id"] = str(batch)
    with tempfile.TemporaryDirectory() as scratch:
        files: list[Path] = []
        for path in paths:
            if path.is_dir():
                archive = Path(scratch) / f"{path.name or 'folder'}.zip"
                console.print(f"packing {path} ({zip_folder(path, archive)} files)")
                files.append(archive)
            else:
                files.append(path)
        total = sum(f.stat().st_size for f in files)

        def upload() -> dict[str, Any]:
            with Progress(
                TextColumn("uploading"), BarColumn(), DownloadColumn(), TimeRemainingColumn(), console=console
            ) as bar:
                task = bar.add_task("upload", total=total)
                return api.upload(project, files, form, lambda n: bar.advance(task, n))

        _queue_import(api, project, upload, wait)


@app.command("import-s3")
def import_s3(
    project: Annotated[int, typer.Argument(help="project id")],
    prefix: Annotated[str, typer.Option(help="key prefix to sync, e.g. incoming/line-3/")] = "",
    bucket: Annotated[
        str | None, typer.Option(help="bucket (default: the deployment's source bucket)")
    ] = None,
    url: UrlOption = "",
    token: TokenOption = "",
    wait: WaitOption = True,
) -> None:
    """Sync a bucket prefix: objects imported before are skipped, new ones become tasks."""
    api = _api(url, token)
    _queue_import(
        api,
        project,
        lambda: api.post(f"projects/{project}/imports/s3", {"bucket": bucket, "prefix": prefix}),
        wait,
    )


@app.command("import-urls")
def import_urls(
    project: Annotated[int, typer.Argument(help="project id")],
    url_file: Annotated[Path, typer.Argument(exists=True, help="a text file with one image URL per line")],
    url: UrlOption = "",
    token: TokenOption = "",
    wait: WaitOption = True,
) -> None:
    """Fetch images from a list of URLs."""
    urls = [
        line.strip()
        for line in url_file.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    api = _api(url, token)
    _queue_import(api, project, lambda: api.post(f"projects/{project}/imports/urls", {"urls": urls}), wait)


@app.command("export")
def export(
    project: Annotated[int, typer.Argument(help="project id")],
    format: Annotated[
        str, typer.Option("--format", help="coco | yolo | yolo-seg | yolo-pose | voc | labelstudio | csv")
    ] = "coco",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="where to save the zip")] = None,
    with_images: Annotated[
        bool, typer.Option("--with-images/--no-images", help="put the images in the zip")
    ] = True,
    state: Annotated[
        list[str], typer.Option("--state", help="task states to export, e.g. accepted (repeat)")
    ] = [],  # noqa: B006
    label: Annotated[
        list[str], typer.Option("--label", help="label values to export (repeat; default all)")
    ] = [],  # noqa: B006
    label_map: Annotated[list[str], typer.Option("--map", help="child=parent label merge (repeat)")] = [],  # noqa: B006
    batch: Annotated[list[int], typer.Option("--batch", help="batch ids (repeat)")] = [],  # noqa: B006
    val_fraction: Annotated[float, typer.Option("--val", help="fraction of images in the val split")] = 0.0,
    predictions: Annotated[
        bool, typer.Option("--predictions", help="export predictions instead of annotations")
    ] = False,
    url: UrlOption = "",
    token: TokenOption = "",
) -> None:
    """Export a project as a zip (images included by default) and download it."""
    api = _api(url, token)
    body = {
        "format": format,
        "with_images": with_images,
        "states": state,
        "labels": label,
        "label_map": dict(item.split("=", 1) for item in label_map),
        "batch_ids": batch,
        "val_fraction": val_fraction,
        "source": "predictions" if predictions else "annotations",
    }
    try:
        job = api.post(f"projects/{project}/exports", body)
        with Progress(
            TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=console
        ) as bar:
            task = bar.add_task("export", total=None)
            final = api.wait(
                f"projects/{project}/exports/{job['id']}",
                lambda s: bar.update(task, completed=s["done"], total=s["total"] or None),
            )
        if final["state"] != "finished":
            console.print(f"[red]export {final['state']}[/red]: {final.get('error', '')}")
            raise typer.Exit(1)
        target = output or Path(f"project{project}-{format}-export{job['id']}.zip")
        with Progress(TextColumn("downloading"), BarColumn(), DownloadColumn(), console=console) as bar:
            task = bar.add_task("download", total=final.get("size_bytes"))
            size = api.download(
                final["download_url"],
                target,
                lambda done, total: bar.update(task, completed=done, total=total),
            )
        console.print(f"saved {target} ({size} bytes, {final['done']} images, {final['shapes']} shapes)")
        print(json.dumps({"export_job": job["id"], "path": str(target), "bytes": size}))
    except ApiError as exc:
        raise _fail(exc) from None
    finally:
        api.close()


@app.command("jobs")
def jobs(
    project: Annotated[int, typer.Argument(help="project id")], url: UrlOption = "", token: TokenOption = ""
) -> None:
    """Recent import and export jobs of a project."""
    api = _api(url, token)
    try:
        table = Table("kind", "id", "format", "state", "done/total", "created")
        for kind in ("imports", "exports"):
            for job in api.get(f"projects/{project}/{kind}"):
                table.add_row(
                    kind[:-1],
                    str(job["id"]),
                    job["format"],
                    job["state"],
                    f"{job['done']}/{job['total']}",
                    str(job["created_at"]),
                )
        Console().print(table)
    except ApiError as exc:
        raise _fail(exc) from None
    finally:
        api.close()
