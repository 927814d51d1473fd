"""The web pages of installing: the Add to Slack page, and what a person sees when it worked or did not.

They are HTML, so they get HTML escaping (a workspace's name is the installer's text), unlike Slack's mrkdwn.
"""

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

_PAGES = Environment(
    loader=FileSystemLoader(str(Path(__file__).resolve().parent / "templates")),
    undefined=StrictUndefined,
    autoescape=select_autoescape(["html"], default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)


def install_page(authorize_url: str, scopes: list[str]) -> str:
    return _PAGES.get_template("install.html").render(authorize_url=authorize_url, scopes=scopes)


def installed_page(workspace: str, open_url: str) -> str:
    return _PAGES.get_template("installed.html").render(workspace=workspace, open_url=open_url)


def failed_page(reason: str, install_path: str) -> str:
    return _PAGES.get_template("failed.html").render(reason=reason, install_path=install_path)
