"""The app's pages: each page file of `kb/views/` with its title, icon and URL path.

Read by the navigation (kb/ui/router.py), by the links between pages
(kb/ui/links.py) and by the Follow bar (kb/ui/follow.py); it imports nothing
of the app, so none of them import each other through it.
"""

from __future__ import annotations

from pathlib import Path

VIEWS = Path(__file__).resolve().parent.parent / "views"
STATIC = Path(__file__).resolve().parent / "static"  # the icon and the stylesheet, served by the app itself

# (page file, title, Material icon, URL path); the first one is the default page.
PAGES = [
    ("search.py", "Search", ":material/search:", "search"),
    ("timeline.py", "Timeline", ":material/timeline:", "timeline"),
    ("entities.py", "Entities", ":material/label:", "entities"),
    ("providers.py", "Providers", ":material/public:", "providers"),
    ("listings.py", "Entity List", ":material/gavel:", "entity-list"),
    ("candidates.py", "New names", ":material/new_label:", "new-names"),
    ("watches.py", "Watches", ":material/notifications:", "watches"),
    ("sources.py", "Sources", ":material/rss_feed:", "sources"),
    ("document.py", "Document", ":material/article:", "document"),
]
HIDDEN = {"document.py"}  # reached through links, not from the menu
