"""The conda environments and pyproject.toml list the same packages with the same lower bounds."""

from __future__ import annotations

import re
import tomllib

import yaml

from conftest import REPO

# conda-forge names whose PyPI distribution is called differently
CONDA_TO_PYPI = {"matplotlib-base": "matplotlib", "snakemake-minimal": "snakemake"}


def requirement(spec: str) -> tuple[str, str]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)", spec)
    assert match, spec
    return match.group(1).lower().replace("_", "-"), match.group(3).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + project["optional-dependencies"]["workflow"]
    return dict(requirement(s) for s in specs)


def conda_requirements(path) -> dict[str, str]:
    """Packages of a conda file, from conda-forge and from its pip section (not the local install)."""
    env = yaml.safe_load(path.read_text())
    out = {}
    for dep in env["dependencies"]:
        lines = dep["pip"] if isinstance(dep, dict) else [dep]
        for line in lines:
            if line.startswith((".", "-", "/")):
                continue
            name, bound = requirement(line)
            if name not in ("python", "pip"):
                name = CONDA_TO_PYPI.get(name, name)
                assert name not in out, f"{path.name} lists {name} twice"
                out[name] = bound
    return out


def test_environment_yml_matches_pyproject():
    assert conda_requirements(REPO / "environment.yml") == pyproject_requirements()


def test_rule_environments_match_pyproject():
    for name in ("fatenet.yaml", "fatenet-cuda.yaml"):
        assert conda_requirements(REPO / "workflow" / "envs" / name) == pyproject_requirements(), name


def test_environments_install_fatenet_itself():
    for path in (REPO / "environment.yml", REPO / "workflow/envs/fatenet.yaml", REPO / "workflow/envs/fatenet-cuda.yaml"):
        env = yaml.safe_load(path.read_text())
        pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
        assert pip[-1] in ("-e .", "../.."), path  # fatenet itself, from this repository
        assert any(str(d).startswith("python>=3.11") for d in env["dependencies"]), path
