#!/usr/bin/env python3
"""Refresh the model catalog of flightdeck-pricing from open, maintained data.

Sources (both MIT licensed, both fetched with `pip download` from PyPI):

* genai-prices (Pydantic): providers, model match rules, prices per million tokens with
  long-context tiers, effective dates, time-of-day prices, batch / service-tier variants, and
  context windows. This is the source of every price.
* litellm (BerriAI), file `model_prices_and_context_window_backup.json`: the maximum output
  tokens of each model (genai-prices does not carry it) and the context window where genai-prices
  has none. No price is taken from it.

The wheels are read without being installed or imported: `genai_prices/data.py` is parsed with
Python's `ast` module, so the script needs nothing but the standard library and pip.

Usage:
    scripts/refresh_prices.py                          # latest releases
    scripts/refresh_prices.py --genai-prices 0.2.3     # a pinned release
    scripts/refresh_prices.py --genai-prices-wheel x.whl --litellm-wheel y.whl   # offline
    scripts/refresh_prices.py --no-litellm             # prices and windows only

Output: crates/flightdeck-pricing/data/catalog.json (one model per line, so refreshes diff well)
and the license notices next to it.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA_DIR = REPO / "crates" / "flightdeck-pricing" / "data"
LITELLM_JSON = "litellm/model_prices_and_context_window_backup.json"

# genai-prices price key -> catalog rate name (USD per million tokens), and the per-request fee.
TOKEN_KEYS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "cache_write_5m_mtok": "cache_write_5m",
    "cache_write_1h_mtok": "cache_write_1h",
    "output_reasoning_mtok": "reasoning",
    "input_audio_mtok": "input_audio",
    "input_image_mtok": "input_image",
    "input_video_mtok": "input_video",
    "cache_audio_read_mtok": "cache_read_audio",
    "cache_image_read_mtok": "cache_read_image",
    "cache_video_read_mtok": "cache_read_video",
    "output_audio_mtok": "output_audio",
    "output_image_mtok": "output_image",
    "output_video_mtok": "output_video",
}
REQUEST_KEY = "requests_kcount"  # USD per 1000 requests -> catalog `request`, USD per request
RATE_ORDER = list(TOKEN_KEYS.values()) + ["request"]

# genai-prices provider id -> litellm `litellm_provider` values whose entries describe the same models.
LITELLM_PROVIDERS = {
    "openai": {"openai", "text-completion-openai"},
    "anthropic": {"anthropic"},
    "google": {"gemini", "vertex_ai-language-models", "vertex_ai-anthropic_models"},
    "aws": {"bedrock", "bedrock_converse"},
    "azure": {"azure", "azure_ai"},
    "mistral": {"mistral"},
    "x-ai": {"xai"},
    "deepseek": {"deepseek"},
    "groq": {"groq"},
    "cohere": {"cohere_chat", "cohere"},
    "perplexity": {"perplexity"},
    "together": {"together_ai"},
    "fireworks": {"fireworks_ai"},
    "openrouter": {"openrouter"},
    "moonshotai": {"moonshot"},
    "cerebras": {"cerebras"},
    "novita": {"novita"},
    "databricks": {"databricks"},
    "cloudflare": {"cloudflare"},
    "voyageai": {"voyage"},
    "zai": {"zai"},
    "minimax": {"minimax"},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--genai-prices", metavar="VERSION", help="genai-prices release to use (default: latest)")
    parser.add_argument("--litellm", metavar="VERSION", help="litellm release to use (default: latest)")
    parser.add_argument("--genai-prices-wheel", metavar="PATH", help="use this wheel instead of downloading")
    parser.add_argument("--litellm-wheel", metavar="PATH", help="use this wheel instead of downloading")
    parser.add_argument("--no-litellm", action="store_true", help="do not add max output / missing windows")
    parser.add_argument("--output", metavar="PATH", default=str(DATA_DIR / "catalog.json"))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="flightdeck-prices-") as tmp:
        gp_wheel = args.genai_prices_wheel or download("genai-prices", args.genai_prices, tmp)
        gp_version, providers, gp_license = read_genai_prices(gp_wheel)
        lt_version, lt_models, lt_license = None, None, None
        if not args.no_litellm:
            lt_wheel = args.litellm_wheel or download("litellm", args.litellm, tmp)
            lt_version, lt_models, lt_license = read_litellm(lt_wheel)

    stats = Counter()
    dropped = Counter()
    catalog_providers = [convert_provider(p, dropped, stats) for p in providers]
    if lt_models is not None:
        enrich_from_litellm(catalog_providers, lt_models, stats)

    source = {
        "prices": {
            "name": "genai-prices",
            "version": gp_version,
            "url": "https://github.com/pydantic/genai-prices",
            "license": "MIT",
            "copyright": "Copyright (c) Pydantic Services Inc. 2025 to present",
        },
        "retrieved": dt.date.today().isoformat(),
    }
    if lt_version is not None:
        source["limits"] = {
            "name": "litellm model_prices_and_context_window.json",
            "version": lt_version,
            "url": "https://github.com/BerriAI/litellm",
            "license": "MIT",
            "copyright": "Copyright (c) 2023 Berri AI",
            "fields": ["max_output", "context_window where the prices source has none"],
        }

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(source, catalog_providers))
    (out.parent / "LICENSE-genai-prices").write_text(gp_license)
    if lt_license is not None:
        (out.parent / "LICENSE-litellm").write_text(lt_license)

    models = sum(len(p["models"]) for p in catalog_providers)
    print(f"wrote {out.relative_to(REPO) if out.is_relative_to(REPO) else out}: "
          f"{len(catalog_providers)} providers, {models} models (genai-prices {gp_version}"
          + (f", litellm {lt_version})" if lt_version else ")"))
    for key, value in sorted(stats.items()):
        print(f"  {key}: {value}")
    if dropped:
        print("  price keys not carried (not token-based, or no usage field to price them):")
        for key, count in dropped.most_common():
            print(f"    {key}: {count}")
    return 0


def download(package: str, version: str | None, tmp: str) -> str:
    spec = f"{package}=={version}" if version else package
    dest = os.path.join(tmp, package)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
         "--disable-pip-version-check", "--dest", dest, spec],
        check=True,
    )
    wheels = glob.glob(os.path.join(dest, "*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel for {spec}, found {wheels}")
    return wheels[0]


def wheel_version(zf: zipfile.ZipFile, package_dir: str) -> str:
    for name in zf.namelist():
        if name.startswith(package_dir) and name.endswith(".dist-info/METADATA"):
            for line in zf.read(name).decode().splitlines():
                if line.startswith("Version: "):
                    return line.split(": ", 1)[1].strip()
    raise SystemExit(f"no version in wheel for {package_dir}")


def wheel_license(zf: zipfile.ZipFile) -> str:
    for name in zf.namelist():
        if ".dist-info/" in name and name.rsplit("/", 1)[-1].startswith("LICENSE"):
            return zf.read(name).decode()
    raise SystemExit("no license file in wheel")


# ---------------------------------------------------------------------------------------------
# genai-prices


def read_genai_prices(wheel: str):
    with zipfile.ZipFile(wheel) as zf:
        version = wheel_version(zf, "genai_prices-")
        source = zf.read("genai_prices/data.py").decode()
        license_text = wheel_license(zf)
    tree = ast.parse(source)
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "providers":
            return version, literal(node.value), license_text
    raise SystemExit("genai_prices/data.py has no `providers` list")


def literal(node):
    """The value of a data.py expression: constructor calls become {'__type__': name, **kwargs}."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        return [literal(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {literal(k): literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -literal(node.operand)
    if isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        args = [literal(a) for a in node.args]
        if name == "Decimal":
            return Decimal(args[0])
        if name in ("datetime.date", "date"):
            return dt.date(*args)
        if name in ("datetime.time", "time"):
            return dt.time(*args)
        value = {"__type__": name}
        if args:
            raise SystemExit(f"unexpected positional arguments in {name}")
        for kw in node.keywords:
            value[kw.arg] = literal(kw.value)
        return value
    raise SystemExit(f"unsupported expression in data.py: {ast.unparse(node)[:120]}")


def convert_match(clause):
    if clause is None:
        return None
    kind = clause["__type__"]
    simple = {
        "ClauseEquals": "equals",
        "ClauseStartsWith": "starts_with",
        "ClauseEndsWith": "ends_with",
        "ClauseContains": "contains",
        "ClauseRegex": "regex",
    }
    if kind in simple:
        key = simple[kind]
        return {key: clause[key]}
    if kind == "ClauseOr":
        return {"or": [convert_match(c) for c in clause["or_"]]}
    if kind == "ClauseAnd":
        return {"and": [convert_match(c) for c in clause["and_"]]}
    raise SystemExit(f"unknown match clause {kind}")


def convert_rate(value):
    if isinstance(value, Decimal):
        return value
    if isinstance(value, dict) and value.get("__type__") == "TieredPrices":
        tiers = sorted(value["tiers"], key=lambda t: t["start"])
        return {"base": value["base"], "tiers": [{"start": t["start"], "price": t["price"]} for t in tiers]}
    raise SystemExit(f"unknown price value {value!r}")


def convert_rates(model_price, dropped: Counter, standard: bool = True):
    """Token rates of a ModelPrice. A standard price with no key at all means the model is free
    (genai-prices prices it at $0), which is written explicitly; a price with only non-token keys
    (audio hours, pages, ...) gives no rates, so the engine reports the call as unpriced rather
    than free. Variant prices only override, so they are converted as they are."""
    if standard and not any(k != "__type__" and v is not None for k, v in model_price.items()):
        return {"input": Decimal(0), "output": Decimal(0)}
    rates = {}
    for key, value in model_price.items():
        if key == "__type__" or value is None:
            continue
        if key in TOKEN_KEYS:
            rates[TOKEN_KEYS[key]] = convert_rate(value)
        elif key == REQUEST_KEY:
            if not isinstance(value, Decimal):
                raise SystemExit(f"tiered {REQUEST_KEY} is not supported")
            rates["request"] = value / 1000
        else:
            dropped[key] += 1
    return {k: rates[k] for k in RATE_ORDER if k in rates}


def convert_constraint(constraint, target: dict):
    if constraint is None:
        return
    kind = constraint["__type__"]
    if kind == "StartDateConstraint":
        target["start_date"] = constraint["start_date"].isoformat()
    elif kind == "TimeOfDateConstraint":
        target["time_of_day"] = {
            "start": constraint["start_time"].strftime("%H:%M"),
            "end": constraint["end_time"].strftime("%H:%M"),
        }
    else:
        raise SystemExit(f"unknown price constraint {kind}")


def convert_model(model, dropped: Counter, stats: Counter):
    out = {"id": model["id"]}
    if model.get("name"):
        out["name"] = model["name"]
    out["match"] = convert_match(model["match"])
    if model.get("context_window"):
        out["context_window"] = model["context_window"]
    if model.get("deprecated"):
        out["deprecated"] = True

    prices = model.get("prices")
    periods = []
    if isinstance(prices, dict) and prices.get("__type__") == "ModelPrice":
        periods.append({"rates": convert_rates(prices, dropped)})
    elif isinstance(prices, list):
        for conditional in prices:
            period = {}
            convert_constraint(conditional.get("constraint"), period)
            period["rates"] = convert_rates(conditional["prices"], dropped)
            periods.append(period)
        stats["models with price history or time-of-day prices"] += 1
    else:
        raise SystemExit(f"model {model['id']}: unknown prices {prices!r}")
    out["prices"] = periods
    if all(p["rates"] == {"input": 0, "output": 0} for p in periods):
        stats["free models (priced at $0)"] += 1
    if not any(p["rates"] for p in periods):
        stats["models without token prices (kept for their limits)"] += 1

    variants = []
    for variant in model.get("price_variants") or []:
        v = {"when": variant["when"]}
        convert_constraint(variant.get("constraint"), v)
        v["rates"] = convert_rates(variant["prices"], dropped, standard=False)
        variants.append(v)
    if variants:
        out["variants"] = variants
    return out


def convert_provider(provider, dropped: Counter, stats: Counter):
    out = {"id": provider["id"], "name": provider["name"]}
    if provider.get("provider_match") is not None:
        out["provider_match"] = convert_match(provider["provider_match"])
    if provider.get("model_match") is not None:
        out["model_match"] = convert_match(provider["model_match"])
    if provider.get("fallback_model_providers"):
        out["fallback_providers"] = provider["fallback_model_providers"]
    out["models"] = [convert_model(m, dropped, stats) for m in provider.get("models", [])]
    return out


# ---------------------------------------------------------------------------------------------
# litellm: max output tokens, and context windows genai-prices lacks


def read_litellm(wheel: str):
    with zipfile.ZipFile(wheel) as zf:
        version = wheel_version(zf, "litellm-")
        models = json.loads(zf.read(LITELLM_JSON))
        license_text = wheel_license(zf)
    models.pop("sample_spec", None)
    return version, models, license_text


def clause_matches(clause, text: str) -> bool:
    """genai-prices match semantics: case-insensitive literals, regex searched in the lowercased ref."""
    (kind, value), = clause.items()
    if kind == "equals":
        return text == value.lower()
    if kind == "starts_with":
        return text.startswith(value.lower())
    if kind == "ends_with":
        return text.endswith(value.lower())
    if kind == "contains":
        return value.lower() in text
    if kind == "regex":
        try:
            return re.search(value, text) is not None
        except re.error:
            return False
    if kind == "or":
        return any(clause_matches(c, text) for c in value)
    if kind == "and":
        return all(clause_matches(c, text) for c in value)
    raise SystemExit(f"unknown clause {kind}")


def positive_int(value):
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def enrich_from_litellm(providers, lt_models, stats: Counter):
    by_provider = defaultdict(list)  # litellm provider -> [(normalized key, entry)]
    for key, entry in lt_models.items():
        if not isinstance(entry, dict):
            continue
        lp = entry.get("litellm_provider")
        name = key.lower()
        if lp and name.startswith(lp.lower() + "/"):
            name = name[len(lp) + 1:]
        by_provider[lp].append((name, entry))

    for provider in providers:
        sources = LITELLM_PROVIDERS.get(provider["id"])
        if not sources:
            continue
        candidates = [c for lp in sorted(sources) for c in by_provider.get(lp, [])]
        for model in provider["models"]:
            model_id = model["id"].lower()
            exact = [e for n, e in candidates if n == model_id]
            matched = exact or [e for n, e in candidates if clause_matches(model["match"], n)]
            if not matched:
                continue
            max_output = pick([positive_int(e.get("max_output_tokens")) for e in matched])
            if max_output is not None:
                model["max_output"] = max_output
                stats["max_output from litellm"] += 1
            if "context_window" not in model:
                window = pick([positive_int(e.get("max_input_tokens")) for e in matched])
                if window is not None:
                    model["context_window"] = window
                    stats["context_window from litellm"] += 1
            reorder(model)


def pick(values):
    """The most common value; on a tie the smallest (the conservative limit)."""
    counts = Counter(v for v in values if v is not None)
    if not counts:
        return None
    best = max(counts.values())
    return min(v for v, c in counts.items() if c == best)


MODEL_KEY_ORDER = ["id", "name", "match", "context_window", "max_output", "deprecated", "prices", "variants"]


def reorder(model):
    items = {k: model[k] for k in MODEL_KEY_ORDER if k in model}
    model.clear()
    model.update(items)


# ---------------------------------------------------------------------------------------------
# output


def encode(value) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ",".join(encode(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{encode(v)}" for k, v in value.items()) + "}"
    raise SystemExit(f"cannot encode {value!r}")


def render(source, providers) -> str:
    lines = ["{", f'"source":{encode(source)},', '"providers":[']
    for pi, provider in enumerate(providers):
        head = {k: v for k, v in provider.items() if k != "models"}
        lines.append(encode(head)[:-1] + ',"models":[')
        models = provider["models"]
        for mi, model in enumerate(models):
            lines.append(encode(model) + ("," if mi + 1 < len(models) else ""))
        lines.append("]}" + ("," if pi + 1 < len(providers) else ""))
    lines.append("]}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
