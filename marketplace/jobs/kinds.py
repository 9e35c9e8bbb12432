"""Every module that registers job kinds, imported once by init_app (and by the worker)."""
from marketplace import follows, mail, notify  # noqa: F401
from marketplace.imports import exports, services as imports  # noqa: F401
from marketplace.trading import services as trading  # noqa: F401,E402
