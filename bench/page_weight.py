"""Benchmark: what a visitor downloads for the home, browse and statistics pages, on a first and a repeat visit.

    python -m bench.page_weight [--contracts-per-year 180]

Builds the app on a fresh SQLite file with the demo data, then for each page fetches the HTML and every
stylesheet, script and icon it links, through the app, and prints bytes on the wire (bodies) and requests:

  * before — as pages were sent before this work: nothing compressed, static files under their plain names,
    revalidated on every visit. A first visit downloads everything as is; a repeat visit downloads the page
    again and asks for every file once more (each a 304 without a body).
  * after — as now: Brotli (what every current browser asks for), hashed file names cached for a year as
    immutable. A first visit downloads everything compressed; a repeat visit asks for the page only, with its
    ETag (a 304 without a body when nothing changed) and nothing else.

Both are measured in this run, on the same pages and files.
"""
import argparse
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from marketplace import create_app  # noqa: E402
from marketplace.cli import init_db  # noqa: E402
from marketplace.demo import seed_demo  # noqa: E402

PAGES = [("home", "/"), ("browse", "/results"), ("statistics", "/stats/")]
ASSET = re.compile(r'<(?:link[^>]+rel="(?:stylesheet|icon)"[^>]+href|script[^>]+src)="(/static/[^"]+)"')
HASHED = re.compile(r"\.[0-9a-f]{12}(\.[a-z]+)$")


def plain_name(url: str) -> str:
    return HASHED.sub(r"\1", url)


def visit(client, path: str) -> dict:
    """Bytes and requests of one page, before and after, first and repeat visit."""
    page = client.get(path)
    html = page.get_data()
    assets = ASSET.findall(html.decode("utf-8"))
    plain_html = client.get(path, headers={"Accept-Encoding": "identity"}).get_data()
    plain_assets = [len(client.get(plain_name(url), headers={"Accept-Encoding": "identity"}).get_data())
                    for url in assets]
    packed = client.get(path, headers={"Accept-Encoding": "br"})
    packed_assets = [len(client.get(url, headers={"Accept-Encoding": "br"}).get_data()) for url in assets]
    etag = packed.headers.get("ETag")
    again = client.get(path, headers={"Accept-Encoding": "br", **({"If-None-Match": etag} if etag else {})})
    return {
        "assets": len(assets),
        "before_first": (len(plain_html) + sum(plain_assets), 1 + len(assets)),
        "before_repeat": (len(plain_html), 1 + len(assets)),
        "after_first": (len(packed.get_data()) + sum(packed_assets), 1 + len(assets)),
        "after_repeat": (len(again.get_data()), 1),
        "repeat_status": again.status_code,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contracts-per-year", type=int, default=180)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="page-weight-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/market.db", "SECRET_KEY": os.urandom(32).hex(),
                      "SEARCH_INDEX_DIR": f"{folder}/search_index", "INSTANCE_PATH": f"{folder}/instance",
                      "JOBS_BACKEND": "inline", "MAIL_SERVER": None,
                      "DEMO_CONTRACTS_PER_YEAR": args.contracts_per_year})
    with app.app_context():
        print("loading the demo data …", flush=True)
        init_db()
        seed_demo(echo=lambda _line: None)
    client = app.test_client()
    print(f"\n{'page':12} {'files':>5}  {'first visit before → after':>30}  {'repeat visit before → after':>32}")
    totals = {key: 0 for key in ("before_first", "after_first", "before_repeat", "after_repeat")}
    for name, path in PAGES:
        row = visit(client, path)
        for key in totals:
            totals[key] += row[key][0]
        (bf, bfn), (af, afn) = row["before_first"], row["after_first"]
        (br_, brn), (ar, arn) = row["before_repeat"], row["after_repeat"]
        print(f"{name:12} {row['assets']:5d}  {bf / 1024:7.1f} KiB ({bfn}) → {af / 1024:5.1f} KiB ({afn}) "
              f"{100 * af / bf:3.0f}%   {br_ / 1024:6.1f} KiB ({brn}) → {ar / 1024:4.1f} KiB ({arn}, "
              f"{row['repeat_status']})")
    print(f"{'all three':12} {'':5}  {totals['before_first'] / 1024:7.1f} KiB → {totals['after_first'] / 1024:5.1f} KiB"
          f"        {totals['before_repeat'] / 1024:6.1f} KiB → {totals['after_repeat'] / 1024:4.1f} KiB")
    print("\n(bytes are response bodies; in brackets the requests a visit makes, and the repeat visit's status)")


if __name__ == "__main__":
    main()
