"""Settings come from the environment; production refuses to start half-configured."""

import subprocess
import sys

import pytest

PYTHON = [sys.executable, "-m", "freeassoc.cli"]


def run(args, env, cwd):
    return subprocess.run(  # noqa: S603
        [*PYTHON, *args] if args[0] != "shell" else [*PYTHON, "shell", "--no-imports", *args[1:]],
        env={"PATH": "/usr/bin:/bin", **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(tmp_path) -> dict:
    """The production environment docs/operating.md documents (PostgreSQL aside: the check
    does not need a database)."""
    return {
        "SECRET_KEY": "k" * 20 + "-a-long-random-key-from-the-operator-" + "7" * 20,
        "FREEASSOC_DATA_DIR": str(tmp_path / "data"),
        "ALLOWED_HOSTS": "survey.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://survey.example.org",
    }


def test_check_deploy_passes_on_the_documented_production_settings(tmp_path):
    result = run(
        ["check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path), tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FREEASSOC_DATA_DIR"])
def test_production_refuses_to_start_without_a_key_or_a_data_folder(tmp_path, missing):
    env = production_env(tmp_path)
    del env[missing]
    result = run(["check"], env, tmp_path)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr
    assert "Traceback" not in result.stderr
    # Nothing was written on the way: no key file, no data folder in the current directory.
    assert list(tmp_path.iterdir()) == []


def test_the_demo_needs_no_environment_and_keeps_its_key_in_its_data_folder(tmp_path):
    result = run(["demo", "--help"], {}, tmp_path)
    assert result.returncode == 0, result.stderr
    env = {"FREEASSOC_DEMO": "1"}
    first = run(["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                env, tmp_path)  # fmt: skip
    again = run(["shell", "-c", "from django.conf import settings; print(settings.SECRET_KEY)"],
                env, tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert first.stdout == again.stdout and len(first.stdout.strip()) > 40
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.read_text().strip() == first.stdout.strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_settings_read_elsewhere_come_from_the_environment(tmp_path):
    env = {
        **production_env(tmp_path),
        "FREEASSOC_FINDINGS_CACHE": "0",
        "FREEASSOC_FINDINGS_CACHE_DIR": str(tmp_path / "cache"),
        "FREEASSOC_IMPORT_DIR": str(tmp_path / "uploads"),
        "FREEASSOC_IMPORT_MAX_MB": "12",
        "FREEASSOC_RATELIMIT_API": "7/m",
        "FREEASSOC_API_IMPORT_MAX_MB": "3",
    }
    names = [
        "FINDINGS_CACHE", "FINDINGS_CACHE_DIR", "FREEASSOC_IMPORT_DIR",
        "FREEASSOC_IMPORT_MAX_MB", "FREEASSOC_RATELIMIT_API", "FREEASSOC_API_MAX_IMPORT_BYTES",
    ]  # fmt: skip
    code = f"from django.conf import settings; print([str(getattr(settings, n)) for n in {names}])"
    result = run(["shell", "-c", code], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(
        ["False", str(tmp_path / "cache"), str(tmp_path / "uploads"), "12.0", "7/m",
         str(3 * 1024 * 1024)]
    )  # fmt: skip


def test_no_setting_is_read_with_a_default_outside_settings():
    """Every setting is read in settings.py, so that the environment can set it."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "freeassoc"
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.py")
        for match in re.finditer(r"getattr\(settings, [^)]*,[^)]*\)", path.read_text())
    ]
    assert found == []
