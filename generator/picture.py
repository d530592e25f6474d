"""The <picture> markup of a processed image: WebP and fallback renditions, sizes, no layout
shift (width and height), lazy loading for every image but a page's first."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from .config import SiteConfig
from .images import Picture
from .urls import href

ALT = re.compile(r'\balt="([^"]*)"')
BODY_SIZES = "(min-width: 60rem) 44rem, 100vw"  # the text column of the theme


def picture_html(config: SiteConfig, picture: Picture, alt: str, sizes: str, eager: bool,
                 css_class: str = "", lang: str = "") -> Markup:
    def srcset(renditions) -> str:
        return ", ".join(f"{href(config, r.path)} {r.width}w"
                         for r in sorted(renditions, key=lambda r: r.width))

    largest = picture.largest
    loading = 'fetchpriority="high"' if eager else 'loading="lazy"'
    class_attr = f' class="{escape(css_class)}"' if css_class else ""
    lang_attr = f' lang="{escape(lang)}"' if lang else ""  # alt text in another language
    return Markup(
        f'<picture{class_attr}><source type="image/webp" srcset="{srcset(picture.webp)}" '
        f'sizes="{escape(sizes)}"><img src="{href(config, largest.path)}" '
        f'srcset="{srcset(picture.fallback)}" sizes="{escape(sizes)}" width="{largest.width}" '
        f'height="{largest.height}" alt="{escape(alt)}"{lang_attr} {loading} decoding="async">'
        '</picture>')


def picture_global(config: SiteConfig):
    """`picture(image, sizes, eager, class)` for templates, `image` as PageView gives it."""

    def picture(image: dict, sizes: str = "100vw", eager: bool = False, css_class: str = "",
                lang: str = "") -> Markup:
        if image.get("picture") is None:
            return Markup('<img src="{}" alt="{}"{}>').format(
                image["url"], image["alt"], Markup(' loading="lazy"') if not eager else "")
        return picture_html(config, image["picture"], image["alt"], sizes, eager, css_class,
                            lang)

    return picture
