"""What the kit hands you: production receivers in six languages and their framework hookups.

Not run by the kit (``receiver/`` is what it runs): these are files written for the user's own
server by ``osscb export-receiver`` / ``export_production_receiver``, tested by ``tests/receivers``
and ``tests/frameworks`` with each language's real toolchain and framework.
"""

from .export import (
    export_framework_hookup,
    export_production_receiver,
    framework_files,
    production_receiver_source,
)
from .languages import FRAMEWORKS, HOOK_PATH, LANGUAGES, FrameworkHookup, ReceiverLanguage

__all__ = [
    "FRAMEWORKS", "HOOK_PATH", "LANGUAGES", "FrameworkHookup", "ReceiverLanguage", "export_framework_hookup",
    "export_production_receiver", "framework_files", "production_receiver_source",
]
