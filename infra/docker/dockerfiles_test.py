"""Images cannot be built here (no Docker daemon), so their inputs are checked instead."""

import re
from pathlib import Path

import pytest

DOCKER_DIR = Path(__file__).parent
DOCKERFILES = sorted(DOCKER_DIR.glob("*.Dockerfile"))


def copy_sources(dockerfile: Path) -> list[str]:
    sources = []
    for line in dockerfile.read_text().splitlines():
        match = re.match(r"\s*COPY\s+(?:--\S+\s+)*(\S+)\s+\S+\s*$", line)
        if match:
            sources.append(match.group(1))
    return sources


def test_there_is_an_image_per_service_and_one_for_migrations() -> None:
    assert {d.stem for d in DOCKERFILES} == {"api", "broadcaster", "worker", "migrate"}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda d: d.stem)
def test_every_copy_source_is_a_pex_that_pants_packages(dockerfile: Path) -> None:
    sources = copy_sources(dockerfile)
    assert sources, "an image must ship its service's pex"
    for source in sources:
        # Pants placed the packaged pex binaries of runtime_package_dependencies here, at the
        # paths docker_image gives them in the build context (`packed` pexes are folders).
        assert (Path(source) / "__main__.py").is_file(), f"{dockerfile.name}: COPY {source}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda d: d.stem)
def test_images_run_as_a_non_root_user(dockerfile: Path) -> None:
    users = re.findall(r"^USER\s+(\S+)", dockerfile.read_text(), flags=re.MULTILINE)
    assert users
    assert users[-1] not in {"root", "0"}


@pytest.mark.parametrize(
    "dockerfile", [d for d in DOCKERFILES if d.stem != "migrate"], ids=lambda d: d.stem
)
def test_long_running_services_have_a_healthcheck(dockerfile: Path) -> None:
    assert re.search(r"^HEALTHCHECK\s", dockerfile.read_text(), flags=re.MULTILINE)
