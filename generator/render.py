"""Rendering: one page (a Target) through the theme into bytes, recording what it read; or
the template file and line that failed, reported as a problem."""

from __future__ import annotations

import traceback
from functools import partial
from pathlib import Path

import jinja2

from .assets import Assets
from .cards import Card, Cards
from .context import Contexts
from .deps import DependencyCheck, current, recording
from .errors import Problems
from .i18n import Strings
from .picture import picture_global
from .site import Site
from .targets import Target
from .templates import Templates
from .urls import absolute, href


class Renderer:
    """Renders the pages of one build; its attributes `url`, `absolute`, `picture`, `cached`,
    `cached_each` and `cached_once` are the theme's globals (see templates._RendererGlobal)."""

    def __init__(self, templates: Templates, site: Site, strings: Strings, assets: Assets,
                 cards: dict[tuple, Card] | None = None):
        """`templates`: the theme, compiled (see Templates); `cards`: the `cached` blocks the
        last build made, kept by a Builder."""
        self.templates_dir = templates.templates_dir
        self.site = site
        self.assets = assets
        self.templates = templates
        self.env = self.templates.env
        self.env.renderer = self
        self.dependencies = DependencyCheck(site, {
            "template": self.templates.template_hash,
            "templates": self.templates.all_templates_hash, "asset": self.asset_url})
        self.contexts = Contexts(site, strings)
        card_cache = Cards(site, self.dependencies, cards)
        self.cards, self.new_cards = card_cache.cards, card_cache.new_cards  # kept by a Builder
        self.cached, self.cached_each = card_cache.cached, card_cache.cached_each
        self.cached_once = card_cache.cached_once
        self.absolute = partial(absolute, site.config)
        self.picture = picture_global(site.config)

    def url(self, path: str) -> str:
        """The address of a theme file (hashed name) or any site path, for templates."""
        found = self.asset_url(path)
        recorder = current()
        if recorder is not None and path in self.assets.names:
            recorder[("asset", path)] = found
        return found

    def asset_url(self, path: str) -> str:
        """The address of a theme file (hashed name) or any site path."""
        return href(self.site.config, self.assets.url_for(path))

    def render(self, target: Target, problems: Problems,
               recorder: dict | None = None) -> bytes | None:
        """The page's bytes; what it read of the site goes into `recorder`."""
        with recording(recorder):
            return self._render(target, problems, recorder)

    def _render(self, target: Target, problems: Problems, recorder: dict | None
                ) -> bytes | None:
        try:
            if target.shown is not None:
                self.site.record_data(target.shown)
            context = {**target.context, **(target.lazy(self.site) if target.lazy else {})}
            names = target.templates()
            template = self.env.select_template(names)
            if recorder is not None:
                recorder.update(self.templates.template_deps(tuple(names)))
            return template.render(self.contexts.context(target, context)).encode("utf-8")
        except jinja2.TemplateNotFound as exc:
            problems.error(self.templates_dir / target.template, 1,
                           f"template '{exc.name}' not found in {self.templates_dir}")
        except jinja2.TemplateSyntaxError as exc:
            problems.error(self.templates_dir / (exc.name or target.template), exc.lineno or 1,
                           f"template syntax: {exc.message}")
        except OSError:  # the machine's (a full disk), not the template's
            raise
        except Exception as exc:  # a template's runtime error: point at the template line
            path, line = self._template_line(exc, target.template)
            message = exc.message if isinstance(exc, jinja2.TemplateError) else repr(exc)
            problems.error(path, line, f"{message} (rendering {target.path})")
        return None

    def _template_line(self, exc: BaseException, name: str) -> tuple[Path, int]:
        found = (self.templates_dir / name, 1)
        for frame, line in traceback.walk_tb(exc.__traceback__):
            filename = frame.f_code.co_filename
            if filename.startswith(str(self.templates_dir)):
                found = (Path(filename), line)
        return found
