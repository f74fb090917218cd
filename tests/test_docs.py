"""The Python examples in the README and the guides run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PAGES = [
    "README.md",
    "docs/index.md",
    "docs/quickstart.md",
    "docs/models.md",
    "docs/providers.md",
]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def blocks(page: str) -> list[str]:
    return BLOCK.findall((ROOT / page).read_text("utf-8"))


@pytest.mark.parametrize("page", PAGES)
def test_examples_run(page: str, capsys: pytest.CaptureFixture[str]) -> None:
    namespace: dict[str, object] = {"__name__": "docs_example"}
    found = blocks(page)
    assert found, f"{page} has no Python examples"
    for source in found:
        exec(compile(source, page, "exec"), namespace)  # noqa: S102 -- our own docs
    capsys.readouterr()


def test_the_feature_matrix_says_what_the_code_does() -> None:
    """Each row of docs/providers.md matches smskit.providers.capabilities()."""
    import smskit

    page = (ROOT / "docs/providers.md").read_text("utf-8")
    table = page.split("<!-- feature-matrix -->")[1].split("<!-- /feature-matrix -->")[
        0
    ]
    rows = [line.strip("|").split("|") for line in table.strip().splitlines()]
    header = [cell.strip() for cell in rows[0]]
    providers = {
        "sandbox": smskit.providers.Sandbox(),
        "twilio": smskit.providers.Twilio(
            account_sid="AC" + "0" * 32,
            auth_token="token",
            base_url="http://127.0.0.1:1",
        ),
        "vonage": smskit.providers.Vonage(api_key="abcd1234", api_secret="x"),
        "plivo": smskit.providers.Plivo(auth_id="MA" + "0" * 18, auth_token="token"),
    }
    documented = {}
    for row in rows[2:]:
        cells = [cell.strip() for cell in row]
        documented[cells[0]] = {
            name
            for name, cell in zip(header[1:], cells[1:], strict=True)
            if cell == "yes"
        }
    assert set(header[1:]) == set(smskit.providers.CAPABILITIES)
    assert set(providers) == set(documented)
    for name, provider in providers.items():
        assert set(smskit.providers.capabilities(provider)) == documented[name], name
