"""The web server (`xinyong web`, started by `xinyong serve` on WEB_PORT): the chat page at `/`
with its small JSON API, and the hotline staff console under `/console/`."""
