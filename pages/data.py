"""Data (admin only): upload, check and preview, save as a version, compare and activate versions."""
from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from risk.i18n import t
from risk.ingest.upload import PART_LABEL_KEYS, parse_mapping
from risk.views import versions as versions_view
from risk.outputs.mapview import add_preview, display_layer
from risk.store.versions import StoreError
from risk.ingest.uploads import ImportCheck, check_uploaded
from risk.views import import_report as report_view
from ui import analysis, auth, maps, state, widgets
from ui import session as slots

RANK_TITLE_KEYS = {"model": "dp.rank.title_model", "composite": "dp.rank.title_composite"}

state.require_page("data")
lang = state.lang()
conf = state.settings()
session = auth.current()
store = state.store()
user = session.username if session else "?"

st.title(t("page.data", lang))
st.caption(t("dp.intro", lang))

version = state.active_store_version()
if version is not None:
    info = store.versions().set_index("id").loc[version]
    st.info(widgets.tm("dp.active", lang, version=version, label=info["label"], at=info["created_at"], user=info["user"]))
else:
    st.info(t("dp.no_store", lang, folder=str(conf.data_dir)))

# --- upload and check ----------------------------------------------------------------
st.header(t("dp.upload", lang))
TYPES = {"boundaries": ["gpkg", "geojson", "json", "zip"], "indicators": ["csv", "xlsx"], "cases": ["csv", "xlsx"],
         "border": ["geojson", "json", "gpkg"], "gates": ["csv", "xlsx"], "patrols": ["csv", "xlsx"],
         "crosswalk": ["csv", "xlsx"], "meta": ["json"]}
uploads = {part: st.file_uploader(t(PART_LABEL_KEYS[part], lang), type=types, key=f"up_{part}",
                                  help=t("dp.crosswalk_help", lang) if part == "crosswalk" else None)
           for part, types in TYPES.items()}
label = st.text_input(t("dp.label", lang), key="up_label")
mapping_text = st.text_area(t("dp.mapping", lang), help=t("dp.mapping_help", lang), key="up_mapping", height=80)

if st.button(t("dp.check", lang), type="primary", key="up_check"):
    slots.IMPORT_CHECK.pop()
    if not uploads["boundaries"] or not uploads["indicators"]:
        st.error(t("dp.need_files", lang))
    else:
        lines = [line.strip() for line in mapping_text.splitlines() if line.strip()]
        try:
            mapping = parse_mapping(lines)
        except ValueError as err:
            st.error(widgets.tm("dp.mapping_bad", lang, line=str(err)))
            st.stop()
        # The files are on disk only during the check (risk/ingest/uploads.py); the checked dataset is what is saved.
        dataset, report = check_uploaded({part: (upload.name, upload.getvalue()) for part, upload in uploads.items()
                                          if upload is not None}, mapping=mapping)
        slots.IMPORT_CHECK.set(ImportCheck(report, dataset, label))

check: ImportCheck | None = slots.IMPORT_CHECK.get()
if check:
    report = check.report
    st.subheader(t("dp.report", lang))
    if report.ok:
        st.success(t("dp.ok", lang))
    else:
        st.error(t("dp.errors", lang, n=len(report.problems)))
        for message in report.messages(lang):
            st.text(f"• {message}")
    st.dataframe(report_view.parts_table(report, lang), hide_index=True, width="stretch")
    if report.notes:
        with st.expander(t("dp.notes", lang), expanded=True):
            for message in report.note_messages(lang):
                st.text(f"• {message}")
    unmatched = report_view.unmatched_table(report, lang)
    if len(unmatched):
        st.markdown(f"**{t('dp.unmatched_table', lang)}**")
        st.dataframe(unmatched, hide_index=True, width="stretch")
    repairs = report_view.repairs_table(report, lang)
    if len(repairs):
        st.markdown(f"**{t('dp.repairs', lang)}**")
        st.dataframe(repairs, hide_index=True, width="stretch")
    dataset = check.dataset
    if dataset is not None:
        st.subheader(t("dp.preview", lang))
        layer = display_layer(dataset.boundaries)
        fmap = maps.new_map(layer)
        add_preview(fmap, layer, t("map.layers.outline", lang))
        st_folium(fmap, key="import_preview", height=420, use_container_width=True, returned_objects=[])
        if st.button(t("dp.commit", lang), type="primary", key="up_commit"):
            try:
                saved = store.add_checked(dataset, report, user=user, label=check.label or None)
            except StoreError as err:
                st.error(widgets.md(err.message(lang)))
            else:
                slots.IMPORT_CHECK.pop()
                slots.IMPORT_DONE.set(saved.version_id)
                st.rerun()

if slots.IMPORT_DONE.present():
    st.success(t("dp.committed", lang, version=slots.IMPORT_DONE.pop()))

# --- versions ------------------------------------------------------------------------
st.header(t("dp.versions", lang))
versions = store.versions() if store.exists() else pd.DataFrame()
if versions.empty:
    st.caption(t("ap.empty", lang))
else:
    st.dataframe(versions_view.versions_table(versions, lang), hide_index=True, width="stretch")
    ids = versions["id"].astype(int).tolist()
    c1, c2 = st.columns(2)
    with c1:
        st.markdown(f"**{t('dp.compare', lang)}**")
        a = st.selectbox(t("dp.version", lang) + " A", ids, index=min(1, len(ids) - 1), key="cmp_a")
        b = st.selectbox(t("dp.version", lang) + " B", ids, index=0, key="cmp_b")
    with c2:
        st.markdown(f"**{t('dp.activate', lang)}**")
        target = st.selectbox(t("dp.version", lang), ids, key="act_version")
        if st.button(t("dp.activate", lang), key="act_button", disabled=int(target) == version):
            store.activate(int(target), user)
            slots.ACTIVATED.set(int(target))
            st.rerun()
    if a != b:  # full width: the change column must not scroll out of sight
        st.dataframe(versions_view.comparison_table(store.compare(int(a), int(b)), int(a), int(b), lang),
                     width="stretch")
        with st.expander(t("dp.cmp.details", lang)), st.spinner(t("dp.cmp.working", lang)):
            values, moved = analysis.version_comparison(store, int(a), int(b), lang)
            st.caption(t("dp.cmp.values_title", lang, n=len(values)) if len(values) else t("dp.cmp.values_none", lang))
            if len(values):
                st.dataframe(values, hide_index=True, width="stretch", height=320)
            key = "dp.rank.none" if moved is None else RANK_TITLE_KEYS[moved.ranking]
            st.caption(t(key, lang, n=0 if moved is None else len(moved.table), year=0 if moved is None else moved.year))
            if moved is not None:
                st.dataframe(moved.table, hide_index=True, width="stretch")
    if slots.ACTIVATED.present():
        st.success(t("dp.activated", lang, version=slots.ACTIVATED.pop()))
