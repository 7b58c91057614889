"""`chalice package` ships functions/ (through the symlinks in vendor/functions/) without the
development tooling (functions/local/), and nothing private.

Packages once per module (a few seconds with warm caches: chalice downloads manylinux
wheels for requirements.txt and caches the result in .chalice/deployments), unzips it
into an empty folder and imports the app from there in an isolated interpreter.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PRIVATE_TOP_LEVEL = {"tests", ".venv", "venv", "bench", ".git", ".local", "infra", "docs", "stepfunctions", ".chalice"}
CHALICE_RUNTIME = {"app.py", "chalice/__init__.py", "chalice/app.py"}
SECRET_MARKERS = (".env", ".pem", ".key", "id_rsa", "credentials", ".secret", "secrets.json", ".pypirc", ".netrc")

PROBE = r"""
import json, sys
import app
import functions
import functions.cases.service
import pydantic
print(json.dumps({
    "routes": sorted([p, m] for p, methods in app.app.routes.items() for m in methods),
    "functions": functions.__file__,
    "cases_service": functions.cases.service.__file__,
    "app": app.__file__,
    "pydantic": pydantic.__file__,
    "sys_path": sys.path,
    "flags": [sys.flags.isolated, sys.flags.no_site],
}))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("package")
    chalice = Path(sys.executable).parent / "chalice"
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    result = subprocess.run(
        [str(chalice), "package", "--stage", "dev", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, f"chalice package failed:\n{result.stdout}\n{result.stderr}"
    zip_path = out / "deployment.zip"
    assert zip_path.is_file(), f"no deployment.zip in {sorted(p.name for p in out.iterdir())}"
    return zip_path


@pytest.fixture(scope="module")
def names(package: Path) -> list[str]:
    with zipfile.ZipFile(package) as z:
        return z.namelist()


@pytest.fixture(scope="module")
def unzipped_app(package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    unzip_dir = tmp_path_factory.mktemp("unzipped")
    assert not any(unzip_dir.iterdir())
    with zipfile.ZipFile(package) as z:
        z.extractall(unzip_dir)
    site_packages = sysconfig.get_paths()["purelib"]
    # -I: no PYTHON* env, no user site, no script dir on the path; -S: no site module, so
    # the project's editable-install .pth hooks cannot put the working tree on sys.path.
    code = f"import sys; sys.path[:0] = [{str(unzip_dir)!r}, {site_packages!r}]\n" + PROBE
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "CASEBRIDGE_STAGE": "dev",
    }
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        cwd=unzip_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"importing the packaged app failed:\n{result.stderr}"
    return {"dir": unzip_dir, **json.loads(result.stdout)}


def test_the_packaged_app_has_every_route_of_the_working_tree(unzipped_app):
    from app import app

    expected = sorted([p, m] for p, methods in app.routes.items() for m in methods)
    assert unzipped_app["routes"] == expected
    assert ["/cases", "POST"] in unzipped_app["routes"]
    assert ["/customers/import", "POST"] in unzipped_app["routes"]


def test_functions_is_imported_from_the_package_not_the_working_tree(unzipped_app):
    unzip_dir = unzipped_app["dir"]
    assert Path(unzipped_app["functions"]).is_relative_to(unzip_dir)
    assert Path(unzipped_app["cases_service"]).is_relative_to(unzip_dir)
    assert Path(unzipped_app["app"]).is_relative_to(unzip_dir)
    assert not any(p == str(ROOT) or p in ("", ".") for p in unzipped_app["sys_path"])
    assert unzipped_app["flags"] == [1, 1]


def test_the_package_brings_its_own_runtime_dependencies(unzipped_app):
    assert Path(unzipped_app["pydantic"]).is_relative_to(unzipped_app["dir"])


# the local stack, SMTP inbox, moto fixes and the command line over them: never on a Lambda path
DEV_TOOLING = ("functions/local/", "functions/cli.py")


def test_every_python_file_of_functions_but_the_development_tooling_is_in_the_package(names):
    shipped = {n for n in names if n.startswith("functions/") and n.endswith(".py")}
    in_tree = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "functions").rglob("*.py") if "__pycache__" not in p.parts
    }
    assert in_tree - shipped == {n for n in in_tree if n.startswith(DEV_TOOLING)}


def test_the_development_tooling_is_not_shipped(names):
    assert [n for n in names if n.startswith(DEV_TOOLING)] == []  # (str.startswith takes the tuple)
    assert not any(n.startswith("functions/") and n.endswith("moto_fixes.py") for n in names)


def test_vendor_links_every_entry_of_functions_but_the_development_tooling():
    # A new domain folder needs its link in vendor/functions/, or it would be missing from Lambda.
    entries = {p.name for p in (ROOT / "functions").iterdir() if p.name != "__pycache__"}
    links = {p.name: p for p in (ROOT / "vendor" / "functions").iterdir()}
    assert set(links) == entries - {"local", "cli.py"}
    assert all(p.is_symlink() and p.resolve() == (ROOT / "functions" / name).resolve() for name, p in links.items())


def _project_files(package: Path) -> list[str]:
    """What the package holds beyond the installed requirements (every wheel lists its files in RECORD)."""
    with zipfile.ZipFile(package) as z:
        names = z.namelist()
        from_wheels: set[str] = set()
        for name in names:
            if name.endswith(".dist-info/RECORD"):
                from_wheels |= {row[0] for row in csv.reader(io.StringIO(z.read(name).decode())) if row}
    return [n for n in names if n not in from_wheels and ".dist-info/" not in n]


def test_besides_requirements_the_package_holds_only_app_py_chalice_and_functions(package, names):
    top = {n.split("/", 1)[0] for n in names}
    assert top & PRIVATE_TOP_LEVEL == set()
    assert "requirements-dev.txt" not in names
    unexpected = [n for n in _project_files(package) if n not in CHALICE_RUNTIME and not n.startswith("functions/")]
    assert unexpected == []


def test_the_project_files_in_the_package_hold_no_secrets_or_tests(package):
    project = _project_files(package)
    assert [n for n in project if n.lower().rsplit("/", 1)[-1].endswith(SECRET_MARKERS)] == []
    assert [n for n in project if "/tests/" in n or n.rsplit("/", 1)[-1].startswith("test_")] == []
