"""What search engines and link previews say about an app page: its meta description, in the page's language.

A template whose page has a clear purpose gives its own (`{% block description %}`, often the
page's first sentence); the pages below, whose templates belong to their own area, get theirs here;
every other page gets the site's own description, the one the guides' home page has.
"""

from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

# The same words as the guides' site_description in mkdocs.yml, in each language.
DEFAULT = _l("Plain-language information about housing, renting, children and activities in Waterschei (Genk).")

_CONFORMITY = _l("For owners who rent out a home or rooms in Genk: a few questions about the home show "
                 "what the rules on the conformity certificate may mean for you, and whom to ask.")
_PREMIUMS = _l("For owners who rent out a home in Genk: a few questions about you, the home and the works "
               "show which renovation premiums and loans may apply, and whom to ask.")

DESCRIPTIONS = {
    "checkers.conformiteitsattest": _CONFORMITY,
    "checkers.conformiteitsattest_answer": _CONFORMITY,
    "checkers.premies": _PREMIUMS,
    "checkers.premies_answer": _PREMIUMS,
}


def page_description() -> str:
    """The description of the page being rendered, for a template that gives none of its own."""
    return str(DESCRIPTIONS.get(request.endpoint or "", DEFAULT))
