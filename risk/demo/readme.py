"""The README written into the demo dataset folder.

It is generated from the same constants the generator uses, so the documented
hidden process (formula, coefficients, intercept, field) cannot drift from the code.
"""
from __future__ import annotations

import pandas as pd

from risk.demo import cases as demo_cases, indicators as demo_indicators
from risk.demo.reference import USED_FILES, Reference


def _source_rows(sources_md: str) -> list[str]:
    """The attribution table rows of SOURCES.md for the reference files the generator reads."""
    lines = [line for line in sources_md.splitlines() if line.startswith("|")]
    header = lines[:2]
    rows = [line for line in lines[2:] if line.split("|")[1].strip() in USED_FILES]
    return header + rows


def _md_table(frame: pd.DataFrame) -> list[str]:
    head = "| " + " | ".join(frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return [head, rule, *body]


def _rate_table() -> list[str]:
    rows = [{
        "indicator": s.key, "intercept": f"{s.intercept:+.2f}", "× remoteness": f"{s.slope:+.2f}",
        "trend / year": f"{s.trend:+.2f}", "district sd": f"{s.district_sd:.2f}", "commune sd": f"{s.commune_sd:.2f}",
        "yearly walk sd": f"{s.noise_sd:.2f}",
        "year shocks": ", ".join(f"{y}: {v:+.2f}" for y, v in sorted(s.shocks.items())) or "none",
    } for s in demo_indicators.RATE_SPECS]
    return _md_table(pd.DataFrame(rows))


def _term_table(intercept: float) -> list[str]:
    rows = [{"term": "intercept b0 (calibrated)", "covariate": "1", "coefficient": f"{intercept:+.3f}"}]
    rows += [{"term": t.name, "covariate": f"`{t.expression}`", "coefficient": f"{t.coef:+.2f}"}
             for t in demo_cases.TERMS]
    rows += [{"term": "hidden field U", "covariate": "sum of Gaussian bumps (below), sd over communes "
              f"{demo_cases.HIDDEN_FIELD_SD:.2f}", "coefficient": "+1 (offset)"},
             {"term": "persistence", "covariate": "`log(1 + cases in the commune last year)`",
              "coefficient": f"{demo_cases.PERSISTENCE:+.2f}"}]
    return _md_table(pd.DataFrame(rows))


def _bump_table(bumps: pd.DataFrame) -> list[str]:
    frame = pd.DataFrame({
        "centre lon": bumps["lon"].map("{:.4f}".format), "centre lat": bumps["lat"].map("{:.4f}".format),
        "amplitude": bumps["amplitude"].map("{:+.3f}".format), "sigma (km)": bumps["sigma_km"].map("{:.1f}".format),
    })
    return _md_table(frame)


def _cases_summary(cases: pd.DataFrame, process: demo_cases.CaseProcess) -> list[str]:
    years = cases["date"].str[:4].astype(int).value_counts().sort_index()
    frame = pd.DataFrame({
        "year": list(demo_indicators.YEARS),
        "expected": [f"{process.expected_per_year[y]:.1f}" for y in demo_indicators.YEARS],
        "drawn": [int(years.get(y, 0)) for y in demo_indicators.YEARS],
    })
    return _md_table(frame)


def readme_text(ref: Reference, seed: int, process: demo_cases.CaseProcess, bumps: pd.DataFrame,
                cases: pd.DataFrame, n_communes: int) -> str:
    """The dataset README (Markdown)."""
    first, last = demo_indicators.YEARS[0], demo_indicators.YEARS[-1]
    r = demo_indicators.REMOTENESS
    lines = [
        f"# {ref.province} (demo): a GENERATED dataset",
        "",
        "**The indicators, the cases and the commune shapes in this folder are GENERATED. They are NOT real "
        "data and must not be used for any decision about a real place or person.** They exist so the "
        "dashboard, the command line and the tests can run end to end without sensitive data.",
        "",
        f"Built by `python -m risk demo --out data/demo` with seed {seed} "
        "(pass `--seed N` for another draw). The same seed always gives byte-identical files.",
        "",
        "## What is real",
        "",
        f"- The names and official codes of the {n_communes} communes and wards in force since 1 July 2025, their "
        "type (xã/phường) and their former (pre-2025) district.",
        "- The province outline and the Vietnam–Laos border line (generalised at 1:10m).",
        "- The names and kinds of the border gates. Their reference coordinates are rough (about 10 km), so "
        "`border_gates.csv` puts each one at the nearest point of the border line (computed in EPSG:32648).",
        "",
        "Sources and licences (from `data/reference/nghe_an/SOURCES.md`):",
        "",
        *_source_rows(ref.sources_md),
        "",
        "## What is generated",
        "",
        "### Commune shapes (`boundaries.geojson`)",
        "",
        "No openly licensed commune polygons are available, so shapes are generated: random points fill the "
        "real outline; each former district receives its share of them in proportion to its approximate area "
        "(a capacity-constrained power diagram around the district's inner point); k-means splits each "
        "district's points into as many seeds as it has communes; the Voronoi diagram of all seeds, clipped to "
        "the outline, gives the polygons. A few seeds are placed near a real location (a commune named after a "
        "border gate holds that gate; GeoNames places matched to a commune), but no shape follows a real "
        "commune boundary. The shapes tile the outline with no gaps and no overlaps.",
        "",
        "### Indicators (`indicators.csv`)",
        "",
        f"One row per commune and year {first}–{last}. Each commune has a latent remoteness:",
        "",
        "```",
        f"remoteness = {r['coast_weight']:.2f} * min(d_coast_km / {r['coast_km_scale']:.0f}, 1)"
        f" + {r['capital_weight']:.2f} * min(d_capital_km / {r['capital_km_scale']:.0f}, 1)"
        f" + {r['border_weight']:.2f} * exp(-d_border_km / {r['border_km_scale']:.0f})",
        f"             {r['ward_shift']:+.2f} * is_ward + district effect (sd {r['district_sd']:.2f})"
        f" + smooth field (sd {r['field_sd']:.2f}) + noise (sd {r['noise_sd']:.2f})",
        "```",
        "",
        "Distances are from each generated polygon's centroid (EPSG:32648) to the coast, the provincial capital "
        "(the most populous GeoNames place) and the Laos border. Each rate is "
        "`100 / (1 + exp(-logit))` with `logit = intercept + slope * remoteness + trend * (year - "
        f"{first}) + year shock + district effect + commune effect + a small random walk over the years`:",
        "",
        *_rate_table(),
        "",
        "Population: density `exp(6.5 - 3.4 * remoteness)` per km² (× 2.5 in wards) times the generated area, "
        "communes kept within 3,000–40,000 people, growing about 1–1.5 % a year.",
        "",
        "### Cases (`cases.csv`): the hidden process",
        "",
        "Recorded cases in commune i and year t are drawn as Poisson(λ) with",
        "",
        "```",
        "log λ[i,t] = b0 + Σ coefficient_k · covariate_k[i,t] + U(i) + persistence · log(1 + cases[i,t-1])",
        "```",
        "",
        *_term_table(process.intercept),
        "",
        f"b0 is chosen so the province expects about {demo_cases.TARGET_CASES_PER_YEAR:.0f} cases a year; "
        f"{demo_cases.BURN_IN_YEARS} burn-in years are simulated before {first} so its persistence term has a "
        "last year. `d_gate_km` is the distance to the nearest border gate. U is spatially smooth and not in "
        "any file: the sum of these Gaussian bumps (amplitude · exp(-d² / 2σ²)), centred:",
        "",
        *_bump_table(bumps),
        "",
        "Cases per year, expected (sum of λ as drawn) and drawn:",
        "",
        *_cases_summary(cases, process),
        "",
        "Each case gets a uniform date in its year and a uniform random point inside its commune. `form` shifts "
        "toward forced marriage (mostly to China) with remoteness and toward forced labour elsewhere; "
        "`destination` depends on the form (mostly CN and LA); `victims` is 1 to 5 "
        f"(probabilities {', '.join(f'{p:.2f}' for p in demo_cases.VICTIM_PROBS)}); `detected_by` is `patrol` "
        "with probability `0.08 + 0.55 · exp(-d_border_km / 15)`, so patrol detections cluster near the "
        "border, as they would in real records (the feedback the model card warns about).",
        "",
        "## Files",
        "",
        "| file | content |",
        "|---|---|",
        "| boundaries.geojson | generated commune polygons, EPSG:4326, properties commune_id, name, type, "
        "former_district, province |",
        "| border.geojson | the real Vietnam–Laos border line along the province, EPSG:4326 |",
        "| border_gates.csv | real gate names and kinds, positions snapped to the border line |",
        "| indicators.csv | generated indicators, one row per commune and year |",
        "| cases.csv | generated cases, sorted by date then case_id |",
        "| dataset.json | name, province, seed, years, CRS, sources |",
        "| pre2025/ | the same data with the years before 2025 keyed by the real pre-2025 communes, as registers "
        "from before the July 2025 reform are, and the real crosswalk (`crosswalk.csv`); see its README |",
        "",
        "## Rebuild",
        "",
        "```",
        "python -m risk demo --out data/demo",
        "```",
        "",
    ]
    return "\n".join(lines)
