"""What the support API's topics share: the Trusted Advisor engine and AWS's words for bad input."""
from __future__ import annotations

from nimbus.protocol.errors import ServiceError
from nimbus.services.base import BaseProvider

from .advisor import catalog
from .advisor.catalog import Check
from .advisor.engine import Advisor

# The languages Trusted Advisor answers in; nimbus's descriptions are English in every one of them.
LANGUAGES = frozenset({"en", "ja", "fr", "zh", "zh_TW", "ko", "de", "es", "pt_BR", "it", "id"})


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValueException", message, status=400)


class SupportState(BaseProvider):
    def __init__(self, runtime):
        super().__init__(runtime)
        self.advisor = Advisor(runtime)

    def check(self, check_id: str) -> Check:
        found = catalog.find(check_id)
        if found is None:
            raise invalid_parameter(f"Unknown ID: {check_id}")
        return found

    @staticmethod
    def language(params: dict) -> str:
        language = params.get("language") or "en"
        if language not in LANGUAGES:
            raise invalid_parameter(f"Unsupported language: {language}")
        return language
