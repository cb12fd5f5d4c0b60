"""Each service has a page, and its coverage table matches the code."""
from nimbus.services.registry import implemented_service_names
from nimbus.tools.coverage_docs import DOCS, render


def test_every_service_page_exists_and_its_coverage_is_current():
    for service in implemented_service_names():
        page = DOCS / f"{service}.md"
        assert page.exists(), f"docs/services/{service}.md is missing"
        text = page.read_text()
        assert render(service, text) == text, f"docs/services/{service}.md is stale: run `make docs`"
