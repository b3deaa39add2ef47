"""The measurement file: assembling and writing it. Pure Python (no torch), so it is testable anywhere."""
import json
import re

SCHEMA_ID = "tessera-gpu-measurements/1"


def gpu_slug(name):
    """'NVIDIA H100 80GB HBM3' -> 'h100'; unknown names -> a lower-case slug of the whole name."""
    m = re.search(r"\b([A-Z]{1,2}\d{2,3}[A-Z]?)\b", name.upper().replace("NVIDIA", ""))
    if m:
        return m.group(1).lower()
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "gpu"


def measurement_filename(gpu_name, date_iso, synthetic=False):
    day = date_iso[:10]
    return f"{'synthetic-' if synthetic else ''}{gpu_slug(gpu_name)}-{day}.json"


def median(xs):
    s = sorted(xs)
    n = len(s)
    if n == 0:
        raise ValueError("median of no values")
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


def build_file(provenance, records, skipped):
    for key in ("kind", "synthetic", "date", "gpu", "software", "timing"):
        if key not in provenance:
            raise ValueError(f"provenance is missing {key!r}")
    if provenance["kind"] not in ("measured", "synthetic"):
        raise ValueError("provenance kind must be 'measured' or 'synthetic' (published files are copied, not written)")
    if (provenance["kind"] == "synthetic") != bool(provenance["synthetic"]):
        raise ValueError("provenance kind and synthetic disagree")
    return {"schema": SCHEMA_ID, "provenance": provenance, "records": records, "skipped": skipped}


def dumps(doc):
    """Deterministic text: fixed key order as built, no NaN, trailing newline."""
    return json.dumps(doc, indent=1, allow_nan=False) + "\n"
