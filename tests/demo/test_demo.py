"""Invariants of the generated demo dataset (risk/demo/build.py) and of its committed copy in data/demo."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from risk.demo import cases as demo_cases
from risk.demo.build import DEFAULT_SEED, build_demo
from risk.demo.reference import COMMUNES_FILE, DISTRICTS_FILE, REFERENCE_DIR, load_reference

PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMMITTED = PROJECT_ROOT / "data" / "demo"
METRIC = "EPSG:32648"
YEARS = list(range(2019, 2026))
RATES = ["poverty_rate", "near_poor_rate", "ethnic_minority_share", "outmigration_rate", "dropout_rate",
         "early_marriage_rate", "no_road_share", "mobile_coverage"]
INDICATOR_COLUMNS = ["commune_id", "year", *RATES, "population"]
CASE_COLUMNS = ["case_id", "date", "lon", "lat", "commune_id", "form", "victims", "destination", "detected_by"]
FILES = ["boundaries.geojson", "border.geojson", "border_gates.csv", "indicators.csv", "cases.csv",
         "dataset.json", "README.md"]
# The same data with 2019–2024 keyed by the pre-2025 communes (risk/demo/pre2025.py).
PRE2025_FILES = ["pre2025/" + name for name in ("boundaries.geojson", "border.geojson", "border_gates.csv",
                                                 "crosswalk.csv", "indicators.csv", "cases.csv", "dataset.json",
                                                 "README.md")]


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo_default")
    written = build_demo(out)
    assert [str(p.relative_to(out)) for p in written] == FILES + PRE2025_FILES
    return out


@pytest.fixture(scope="session")
def boundaries(built: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(built / "boundaries.geojson")


@pytest.fixture(scope="session")
def indicators(built: Path) -> pd.DataFrame:
    return pd.read_csv(built / "indicators.csv", dtype={"commune_id": str})


@pytest.fixture(scope="session")
def cases(built: Path) -> pd.DataFrame:
    return pd.read_csv(built / "cases.csv", dtype={"commune_id": str})


@pytest.fixture(scope="session")
def reference_communes() -> pd.DataFrame:
    return pd.read_csv(REFERENCE_DIR / COMMUNES_FILE, dtype=str)


def _outline_metric() -> shapely.Polygon:
    return gpd.GeoSeries([load_reference().outline], crs=4326).to_crs(METRIC).iloc[0]


def test_reference_lives_in_the_repository() -> None:
    assert REFERENCE_DIR.is_relative_to(PROJECT_ROOT)
    assert (REFERENCE_DIR / "SOURCES.md").exists()


def test_codes_equal_reference(boundaries: gpd.GeoDataFrame, reference_communes: pd.DataFrame) -> None:
    assert len(boundaries) == 130
    assert boundaries["commune_id"].is_unique
    assert sorted(boundaries["commune_id"]) == sorted(reference_communes["code"])
    assert list(boundaries["commune_id"]) == sorted(boundaries["commune_id"])


def test_boundary_properties(boundaries: gpd.GeoDataFrame, reference_communes: pd.DataFrame) -> None:
    ref = reference_communes.set_index("code").loc[boundaries["commune_id"]]
    assert boundaries.crs.to_epsg() == 4326
    assert list(boundaries["name"]) == list(ref["name"])
    assert list(boundaries["type"]) == list(ref["type"])
    assert list(boundaries["former_district"]) == list(ref["former_district"])
    assert set(boundaries["province"]) == {"Nghệ An"}


def test_polygons_valid_and_single(boundaries: gpd.GeoDataFrame) -> None:
    assert boundaries.is_valid.all()
    assert set(boundaries.geom_type) == {"Polygon"}
    assert (boundaries.to_crs(METRIC).area > 1e6).all()  # no commune under 1 km²


def test_polygons_do_not_overlap(boundaries: gpd.GeoDataFrame) -> None:
    geoms = list(boundaries.to_crs(METRIC).geometry)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    pairs = [(i, j) for i, j in zip(left, right) if i < j]
    overlap_m2 = sum(geoms[i].intersection(geoms[j]).area for i, j in pairs)
    assert overlap_m2 / 1e6 < 0.01


def test_union_covers_outline(boundaries: gpd.GeoDataFrame) -> None:
    union = shapely.union_all(list(boundaries.to_crs(METRIC).geometry))
    outline = _outline_metric()
    assert abs(union.area - outline.area) / outline.area < 0.005


def test_gates_on_border(built: Path) -> None:
    gates = pd.read_csv(built / "border_gates.csv")
    assert list(gates.columns) == ["name", "kind", "lon", "lat"]
    assert len(gates) == 4
    border = gpd.read_file(built / "border.geojson")
    assert "name" in border.columns and len(border) == 1
    line = border.to_crs(METRIC).geometry.iloc[0]
    points = gpd.GeoSeries(gpd.points_from_xy(gates["lon"], gates["lat"]), crs=4326).to_crs(METRIC)
    assert (points.distance(line) <= 100).all()


def test_indicator_columns_and_rates(indicators: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> None:
    assert list(indicators.columns) == INDICATOR_COLUMNS
    values = indicators[RATES].to_numpy()
    assert np.isfinite(values).all() and (values >= 0).all() and (values <= 100).all()
    assert pd.api.types.is_integer_dtype(indicators["population"])
    xa = indicators["commune_id"].isin(boundaries.loc[boundaries["type"] == "xã", "commune_id"])
    assert indicators.loc[xa, "population"].between(3_000, 40_000).all()


def test_every_commune_has_every_year(indicators: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> None:
    assert not indicators.duplicated(["commune_id", "year"]).any()
    full = pd.MultiIndex.from_product([sorted(boundaries["commune_id"]), YEARS])
    got = pd.MultiIndex.from_frame(indicators[["commune_id", "year"]])
    assert set(got) == set(full)


def test_case_columns_and_values(cases: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> None:
    assert list(cases.columns) == CASE_COLUMNS
    assert cases["case_id"].is_unique
    assert cases["case_id"].str.fullmatch(r"NA-\d{4}-\d{4}").all()
    assert (cases["case_id"].str[3:7] == cases["date"].str[:4]).all()
    assert pd.to_datetime(cases["date"], format="%Y-%m-%d").dt.year.between(2019, 2025).all()
    assert cases["commune_id"].isin(boundaries["commune_id"]).all()
    assert set(cases["form"]) <= set(demo_cases.FORMS)
    assert set(cases["detected_by"]) <= set(demo_cases.DETECTED_BY)
    assert cases["victims"].between(1, 5).all()
    assert cases["destination"].str.fullmatch(r"[A-Z]{2}").all()
    assert cases["destination"].isin(["CN", "LA"]).mean() > 0.5
    ordered = cases.sort_values(["date", "case_id"], kind="stable")
    assert list(ordered["case_id"]) == list(cases["case_id"])


def test_case_points_inside_their_commune(cases: pd.DataFrame, boundaries: gpd.GeoDataFrame) -> None:
    polygons = boundaries.set_index("commune_id").geometry.loc[cases["commune_id"]].to_numpy()
    points = shapely.points(cases["lon"].to_numpy(), cases["lat"].to_numpy())
    assert shapely.contains(polygons, points).all()


def test_cases_per_year(cases: pd.DataFrame) -> None:
    per_year = cases["date"].str[:4].astype(int).value_counts()
    assert set(per_year.index) == set(YEARS)
    assert per_year.between(15, 80).all(), per_year.to_dict()


def test_geography_west_versus_vinh(indicators: pd.DataFrame) -> None:
    districts = pd.read_csv(REFERENCE_DIR / DISTRICTS_FILE, dtype={"former_district_code": str})
    communes = pd.read_csv(REFERENCE_DIR / COMMUNES_FILE, dtype=str)
    laos = set(districts.loc[districts["borders_laos"] == "yes", "former_district_code"])
    west_ids = set(communes.loc[communes["former_district_code"].isin(laos), "code"])
    in_vinh = (communes["former_district"] == "Thành phố Vinh") & (communes["type"] == "phường")
    vinh_ids = set(communes.loc[in_vinh, "code"])
    assert west_ids and vinh_ids
    west = indicators[indicators["commune_id"].isin(west_ids)]
    vinh = indicators[indicators["commune_id"].isin(vinh_ids)]
    for column in ["poverty_rate", "ethnic_minority_share"]:
        assert west[column].mean() > 5 * vinh[column].mean() + 5, column
    assert west["mobile_coverage"].mean() < vinh["mobile_coverage"].mean()


def test_indicators_beat_last_years_cases(indicators: pd.DataFrame, cases: pd.DataFrame) -> None:
    """The demo's purpose: a model on indicators adds to what commanders use today."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    counts = cases.assign(year=cases["date"].str[:4].astype(int)).groupby(["commune_id", "year"]).size()
    panel = indicators.set_index(["commune_id", "year"]).sort_index()
    panel["cases"] = counts.reindex(panel.index, fill_value=0)
    panel["next"] = (panel.groupby(level=0)["cases"].shift(-1) > 0).astype(float)
    panel.loc[panel.index.get_level_values(1) == YEARS[-1], "next"] = np.nan
    features = [*RATES, "population", "cases"]
    truth, model_scores, baseline = [], [], []
    for test_year in (2022, 2023, 2024):
        years = panel.index.get_level_values(1)
        train, test = panel[years < test_year].dropna(), panel[years == test_year]
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(train[features], train["next"])
        truth += list(test["next"])
        model_scores += list(model.predict_proba(test[features])[:, 1])
        baseline += list(test["cases"])
    assert roc_auc_score(truth, model_scores) > roc_auc_score(truth, baseline) + 0.03


def test_dataset_json(built: Path) -> None:
    meta = json.loads((built / "dataset.json").read_text(encoding="utf-8"))
    assert meta["name"] == "Nghệ An (demo)" and meta["province"] == "Nghệ An"
    assert meta["generated"] is True and meta["seed"] == DEFAULT_SEED
    assert meta["years"] == [2019, 2025] and meta["crs"] == "EPSG:4326"
    assert meta["sources"]


def test_readme_says_generated_and_documents_process(built: Path) -> None:
    text = (built / "README.md").read_text(encoding="utf-8")
    assert "GENERATED" in text and "NOT real" in text
    assert "python -m risk demo --out data/demo" in text
    assert str(DEFAULT_SEED) in text
    for term in demo_cases.TERMS:
        assert f"`{term.expression}` | {term.coef:+.2f}" in text
    assert "Natural Earth" in text and "GeoNames (CC BY 4.0)" in text


def test_same_seed_gives_identical_files(built: Path, tmp_path: Path) -> None:
    build_demo(tmp_path, seed=DEFAULT_SEED)
    for name in FILES + PRE2025_FILES:
        assert (tmp_path / name).read_bytes() == (built / name).read_bytes(), name


def test_different_seed_gives_different_cases(built: Path, tmp_path: Path) -> None:
    build_demo(tmp_path, seed=DEFAULT_SEED + 1)
    assert (tmp_path / "cases.csv").read_bytes() != (built / "cases.csv").read_bytes()
    meta = json.loads((tmp_path / "dataset.json").read_text(encoding="utf-8"))
    assert meta["seed"] == DEFAULT_SEED + 1


def test_committed_copy_equals_fresh_build(built: Path) -> None:
    assert COMMITTED.is_dir(), "run: python -m risk demo --out data/demo"
    for name in FILES + PRE2025_FILES:
        assert (COMMITTED / name).read_bytes() == (built / name).read_bytes(), f"data/demo/{name} is stale"
