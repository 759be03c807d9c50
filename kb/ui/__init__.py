"""The Streamlit user interface: shared helpers for the page files in `views/`.

`render` turns untrusted text into inert Markdown, `resources` holds the
cached knowledge base, `state` keeps the search in the URL, `queries` reads
what the pages show, `links` builds in-app links and `server` adds HTTP
routes to the Streamlit server.
"""
