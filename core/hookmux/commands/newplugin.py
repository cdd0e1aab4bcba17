"""``hookmux new-plugin``: start a plugin project from the cookiecutter template.

Imported by every ``hookmux`` command line (never by ``hookmux run``), so its
imports are made inside the command.

The template ships inside the wheel as ``hookmux/_template`` (hatch
``force-include`` of the repository's ``plugin-template/``); in a checkout it is
read from ``plugin-template/`` directly. cookiecutter is an optional dependency
(``pip install 'hookmux[template]'``), imported only when this command runs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

#: Where the wheel puts the template, relative to the hookmux package.
PACKAGED_TEMPLATE = "_template"
INSTALL_HINT = "pip install 'hookmux[template]'"


def template_dir() -> Path:
    """The plugin template: packaged with hookmux, else the checkout's ``plugin-template/``."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / PACKAGED_TEMPLATE, package.parent.parent / "plugin-template"):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise click.ClickException(
        f"the plugin template is missing from this hookmux installation ({package}); reinstall hookmux"
    )


def name_checker(template: Path) -> Callable[[str], str | None]:
    """``name_problem`` from the template's pre-generation hook: one rule, two callers."""
    import runpy

    namespace = runpy.run_path(str(template / "hooks" / "pre_gen_project.py"), run_name="hookmux_template")
    checker: Callable[[str], str | None] = namespace["name_problem"]
    return checker


@contextmanager
def clean_copy(template: Path) -> Iterator[Path]:
    """The template without byte code: pip compiles the installed template's
    ``conftest.py`` (the other files are Jinja, not Python), and cookiecutter
    would copy that ``__pycache__`` into every new project."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory(prefix="hookmux-template-") as tmp:
        copy = Path(tmp) / "plugin-template"
        shutil.copytree(template, copy, ignore=shutil.ignore_patterns("__pycache__", "*.py[co]"))
        yield copy


def template_defaults(template: Path) -> dict[str, Any]:
    import json

    with open(template / "cookiecutter.json", encoding="utf-8") as fh:
        defaults: dict[str, Any] = json.load(fh)
    return defaults


def _cookiecutter() -> tuple[Callable[..., str], type[BaseException], type[BaseException]]:
    import importlib
    import logging

    try:
        main = importlib.import_module("cookiecutter.main")
        exceptions = importlib.import_module("cookiecutter.exceptions")
    except ImportError as exc:
        raise click.ClickException(
            f"hookmux new-plugin needs cookiecutter, which is not installed ({exc}). "
            f"Install it with: {INSTALL_HINT}"
        ) from None
    # cookiecutter logs a traceback before raising; the exception is reported instead.
    logging.getLogger("cookiecutter").addHandler(logging.NullHandler())
    return main.cookiecutter, exceptions.OutputDirExistsException, exceptions.CookiecutterException


def register(cli: click.Group) -> None:
    @cli.command("new-plugin")
    @click.argument("name", required=False)
    @click.option(
        "--output-dir",
        "-o",
        type=click.Path(file_okay=False),
        default=".",
        show_default=True,
        help="Directory in which the project directory hookmux-NAME is created.",
    )
    @click.option("--no-input", is_flag=True, help="Ask nothing: NAME (or the default) and defaults.")
    def new_plugin(name: str | None, output_dir: str, no_input: bool) -> None:
        """Create a plugin project: hookmux-NAME with an example handler and tests.

        NAME is the plugin's name (lowercase letters, digits, hyphens): the
        distribution is hookmux-NAME, the module hookmux_NAME. Without
        --no-input, cookiecutter asks for the name (NAME is the default), a
        description and the author.
        """
        template = template_dir()
        problem = name_checker(template)
        if name is not None:
            found = problem(name)
            if found is not None:
                raise click.ClickException(found)
        if name is not None or no_input:  # the name is known: refuse before asking anything
            effective = name if name is not None else str(template_defaults(template)["plugin_name"])
            target = Path(output_dir) / f"hookmux-{effective}"
            if target.exists():
                raise click.ClickException(f"{target} already exists; choose another name or --output-dir")
        cookiecutter, exists_error, cookiecutter_error = _cookiecutter()
        extra = {"plugin_name": name} if name is not None else {}
        try:
            with clean_copy(template) as source:
                created = cookiecutter(
                    str(source), no_input=no_input, extra_context=extra, output_dir=output_dir
                )
        except exists_error as exc:
            raise click.ClickException(f"{exc}; choose another name or --output-dir") from None
        except cookiecutter_error as exc:
            # A failed pre-generation hook has already printed why on stderr.
            raise click.ClickException(f"the plugin project was not created: {exc}") from None
        project = Path(created)
        module = "hookmux_" + project.name.removeprefix("hookmux-").replace("-", "_")
        shown = os.path.relpath(project) if not os.path.isabs(output_dir) else str(project)
        click.echo(f"Created {shown}: the plugin's handlers are in src/{module}/__init__.py.")
        click.echo("Next:")
        click.echo(f"  cd {shown}")
        click.echo("  python -m venv .venv && .venv/bin/pip install -e '.[test]'")
        click.echo("  .venv/bin/pytest")
