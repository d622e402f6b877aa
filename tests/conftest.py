"""Shared fixtures: the built knowledge base."""

from __future__ import annotations

import pytest

from site_helpers import LANGUAGES, BuiltPage, build_site, guide_paths, page_url, url_to_file


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """One strict build of the whole site per test process."""
    return build_site(tmp_path_factory.mktemp("site"))


@pytest.fixture(scope="session")
def site(built):
    """The folder of a successful build."""
    assert built.returncode == 0, built.log
    return built.site


@pytest.fixture(scope="session")
def pages(site) -> list[BuiltPage]:
    """Every guide in every language, as built."""
    return [
        BuiltPage(language, guide, page_url(language, guide), url_to_file(site, page_url(language, guide)))
        for language in LANGUAGES
        for guide in guide_paths()
    ]
