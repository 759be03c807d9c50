"""The Streamlit user interface: shared helpers for the page files in `views/`.

`render` turns untrusted text into inert Markdown, `resources` holds the
cached knowledge base, `state` keeps the search in the URL and `url_state`
the other pages' filters, `queries` reads what the pages show, `links`
builds in-app links, `event_cards` draws one timeline event, `charts` the
Altair charts, `exports` the downloads, and `server` adds HTTP routes to
the Streamlit server.
"""
