"""The build, as a table of contents: settings and content are loaded into a Site (`load`),
its pages rendered (`render_pages`), the other files made (`generated`), everything written
and swapped in (`builder`, `publish`).

Every stage reports into one Problems list; the build stops before writing anything when there
is an error, so the editor sees all of them and the published site stays as it was.
"""

from ..config import SiteConfig
from .builder import Builder, check, refuse_unsafe_output
from .fingerprint import code_fingerprint
from .in_child import build
from .options import Clock, Options, Result, default_templates

__all__ = ["Builder", "Clock", "Options", "Result", "SiteConfig", "build", "check",
           "code_fingerprint", "default_templates", "refuse_unsafe_output"]
