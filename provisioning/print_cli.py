"""`kioskctl a4 test` and `kioskctl print preview`: the A4 forms for a technician.

Both fill the forms with the fictional specimen candidate (`kiosk.core.form_specimen`), marked
样张, so no real person's data is printed to check a printer or to look at a layout. `a4 test`
exits 1 with a one-line reason when the form does not print, since finding that out is why a
technician runs it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path

import click

from kiosk.core.forms import FORMS

DEFAULT_TEST_FORM = "registration"


def specimen_photo_jpeg() -> bytes:
    """A drawn stand-in for the standard photo (480 x 640): a head and shoulders in grey."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 640), (222, 232, 244))
    draw = ImageDraw.Draw(img)
    draw.ellipse((160, 120, 320, 320), fill=(128, 128, 138))
    draw.ellipse((70, 360, 410, 780), fill=(128, 128, 138))
    out = BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def specimen_pdf(form_name: str, on: date | None = None) -> bytes:
    """The named form filled with the specimen candidate, as PDF."""
    from hardware.printer.forms_pdf import FontFile, render_form
    from kiosk.core.form_specimen import specimen
    from kiosk.core.forms import form_named
    from kiosk.fonts import CjkFontNotFoundError, cjk_font_path

    try:
        font = FontFile(cjk_font_path())
    except CjkFontNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    data = specimen(on or date.today(), specimen_photo_jpeg())
    return render_form(form_named(form_name), data, font, specimen=True)


def _default_queue() -> str:
    done = subprocess.run(["lpstat", "-d"], capture_output=True, text=True, check=False,
                          env={"LC_ALL": "C", "LANG": "C", **_cups_env()})
    words = done.stdout.strip()
    if done.returncode == 0 and words.startswith("system default destination: "):
        return words.split(": ", 1)[1].strip()
    raise click.ClickException("no --queue given and CUPS has no default destination")


def _cups_env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k in ("CUPS_SERVER", "PATH", "HOME")}


_form_choice = click.Choice(sorted(FORMS))


@click.group()
def a4() -> None:
    """The A4 printer (a CUPS queue)."""


@a4.command("test")
@click.option("--queue", help="CUPS queue (default: CUPS's default destination).")
@click.option("--form", "form_name", type=_form_choice, default=DEFAULT_TEST_FORM,
              show_default=True, help="Which form to print, filled with the specimen candidate.")
@click.option("--timeout", type=click.FloatRange(1, 3600), default=120, show_default=True,
              help="Seconds to wait for the printer to finish the job.")
def a4_test(queue: str | None, form_name: str, timeout: float) -> None:
    """Print a specimen form on the A4 printer and wait until it is done; exit 1 if not."""
    from hardware.printer.a4 import A4PrinterError, open_a4_printer

    if not shutil.which("lp"):
        raise click.ClickException("lp not found: install the Debian package cups-client")
    queue = queue or _default_queue()
    try:
        printer = open_a4_printer(f"cups://{queue}?timeout={timeout:g}")
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    started = time.monotonic()
    pdf = specimen_pdf(form_name)
    try:
        job = printer.print_pdf(pdf, f"kiosk specimen {form_name}")
    except A4PrinterError as exc:
        raise click.ClickException(f"a4 printer: {exc}") from None
    click.echo(f"printed the {form_name} specimen on {queue}: job {job}, "
               f"{len(pdf) // 1024} KB, {time.monotonic() - started:.1f} s")


@click.group("print")
def print_group() -> None:
    """The paper forms, to look at."""


@print_group.command("preview")
@click.argument("form_name", metavar="FORM", type=_form_choice)
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="OUT.png (first page, 100 dpi) or OUT.pdf.")
def preview(form_name: str, out: Path) -> None:
    """Render FORM, filled with the specimen candidate, to a PNG (or a PDF) to look at.

    FORM is one of: proof (校对表), registration (报名登记表), adult-flow (报名流程表),
    migrant (随迁子女资格审核表).
    """
    pdf = specimen_pdf(form_name)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(pdf)
    elif out.suffix.lower() == ".png":
        if not shutil.which("pdftoppm"):
            raise click.ClickException("pdftoppm not found: install the Debian package "
                                       "poppler-utils")
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "form.pdf"
            src.write_bytes(pdf)
            done = subprocess.run(["pdftoppm", "-r", "100", "-png", "-singlefile", str(src),
                                   str(Path(tmp) / "page")], capture_output=True, text=True)
            if done.returncode != 0:
                raise click.ClickException(f"pdftoppm: {done.stderr.strip()[:200]}")
            shutil.move(str(Path(tmp) / "page.png"), out)
    else:
        raise click.ClickException("--output must end in .png or .pdf")
    click.echo(f"{form_name}: {out}")
