"""The console's forms as a browser would see them: read from the pages' HTML, with each
field's name, kind and the value the page filled in."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

TEXT_INPUTS = frozenset(
    {"text", "email", "search", "url", "tel", "number", "date", "time", "datetime-local",
     "color", "password", "hidden", "week", "month"}
)  # fmt: skip


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name → value as the page has it
    typed: list[str] = field(default_factory=list)  # names a user types or chooses in
    multipart: bool = False

    @property
    def csrf_token(self) -> str | None:
        return self.fields.get("csrf_token")


class _Reader(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            action = urljoin(self.page, a.get("action") or self.page)
            multipart = a.get("enctype") == "multipart/form-data"
            self.current = Form(action, multipart=multipart)
            self.forms.append(self.current)
        form = self.current
        if form is None or "name" not in a:
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a or name not in form.fields:
                    form.fields[name] = a.get("value", "on")
                form.typed.append(name)
            elif kind == "file":
                form.multipart = True
            elif kind in TEXT_INPUTS:
                form.fields[name] = a.get("value", "")
                if name != "csrf_token":
                    form.typed.append(name)
        elif tag == "select":
            self.select = name
            form.fields.setdefault(name, "")
            form.typed.append(name)
        elif tag == "option" and self.select and ("selected" in a or not form.fields[self.select]):
            form.fields[self.select] = a.get("value", "")
        elif tag == "textarea":
            self.textarea = name
            form.fields[name] = ""
            form.typed.append(name)

    def handle_data(self, data: str) -> None:
        if self.current is not None and self.textarea:
            self.current.fields[self.textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def forms_of(page: str, html: str) -> list[Form]:
    reader = _Reader(page)
    reader.feed(html)
    for form in reader.forms:
        form.typed = list(dict.fromkeys(form.typed))
    return reader.forms
