"""Each service has a page, and its coverage table matches the code."""
from nimbus.core.registry import implemented_service_names
from nimbus.tools.coverage_docs import page, render


def test_every_service_page_exists_and_its_coverage_is_current():
    for service in implemented_service_names():
        written = page(service)
        assert written.exists(), f"docs/services/{written.name} is missing"
        text = written.read_text()
        assert render(service, text) == text, f"docs/services/{written.name} is stale: run `make docs`"


def test_the_opsworks_model_ships_with_nimbus():
    """botocore dropped OpsWorks; the vendored model is found without any outside folder."""
    from botocore.loaders import Loader

    from nimbus.protocol.models import BUNDLED_MODELS
    assert "opsworks" in Loader(extra_search_paths=[str(BUNDLED_MODELS)]).list_available_services("service-2")


def test_the_dead_code_gate_knows_every_operation_method():
    from nimbus.tools.coverage_docs import OPERATION_NAMES, operation_names
    assert OPERATION_NAMES.read_text() == operation_names(), "nimbus/tools/vulture_operations.py is stale: run `make docs`"
