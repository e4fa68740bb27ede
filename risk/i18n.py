"""Vietnamese and English strings for everything a user sees.

Vietnamese is the default. Every visible string goes through `t()`, so a
missing translation is a test failure, not a blank label. Strings are grouped
by the module that owns them; keys are dotted (`area.name`).
"""
from __future__ import annotations

import string

LANGUAGES: tuple[str, ...] = ("vi", "en")
DEFAULT_LANGUAGE = "vi"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}

# --- application frame and pages -------------------------------------------
_UI: dict[str, dict[str, str]] = {
    "app.title": {"vi": "Bản đồ nguy cơ mua bán người", "en": "Human-trafficking risk map"},
    "app.subtitle": {
        "vi": "Hỗ trợ phòng, chống mua bán người ở các xã biên giới, miền núi và vùng đồng bào dân tộc thiểu số",
        "en": "Supporting trafficking prevention in border, mountainous and ethnic-minority communes",
    },
    "app.language": {"vi": "Ngôn ngữ", "en": "Language"},
    # The switch's label is the same in both languages: a label that changes
    # with the language would make Streamlit treat it as a new widget and reset it.
    "app.language_switch": {"vi": "Ngôn ngữ / Language", "en": "Ngôn ngữ / Language"},
    "app.dataset": {"vi": "Bộ dữ liệu", "en": "Dataset"},
    "app.dataset_summary": {
        "vi": "{communes} xã/phường · chỉ số {year_min}–{year_max} · {cases} vụ việc",
        "en": "{communes} communes · indicators {year_min}–{year_max} · {cases} cases",
    },
    "app.demo_notice": {
        "vi": "DỮ LIỆU MINH HỌA: ranh giới xã, các chỉ số và vụ việc trên trang này đều do máy tạo ra, không phải số liệu thật. "
        "Chỉ tên, mã xã, đường biên giới và cửa khẩu là thật.",
        "en": "DEMO DATA: the commune shapes, indicators and cases on this page are generated, not real figures. "
        "Only the commune names and codes, the border line and the border gates are real.",
    },
    "app.load_error": {
        "vi": "Không đọc được bộ dữ liệu tại {path}:",
        "en": "The dataset at {path} could not be read:",
    },
    "page.risk_map": {"vi": "Bản đồ nguy cơ", "en": "Risk map"},
    "map.indicator": {"vi": "Chỉ số", "en": "Indicator"},
    "map.year": {"vi": "Năm", "en": "Year"},
    "map.scheme": {"vi": "Cách chia lớp", "en": "Class breaks"},
    "map.classes": {"vi": "Số lớp", "en": "Number of classes"},
    "map.scheme.quantiles": {"vi": "Phân vị (số xã bằng nhau)", "en": "Quantiles (equal counts)"},
    "map.scheme.natural_breaks": {"vi": "Ngắt tự nhiên (Jenks)", "en": "Natural breaks (Jenks)"},
    "map.scheme.equal_interval": {"vi": "Khoảng đều", "en": "Equal interval"},
    "map.legend": {"vi": "Chú giải", "en": "Legend"},
    "map.no_data": {"vi": "Không có số liệu", "en": "No data"},
    "map.layers.border": {"vi": "Biên giới Việt Nam – Lào", "en": "Vietnam–Laos border"},
    "map.layers.gates": {"vi": "Cửa khẩu", "en": "Border gates"},
    "map.layers.outline": {"vi": "Ranh giới tỉnh", "en": "Province outline"},
    "map.layers.communes": {"vi": "Xã/phường", "en": "Communes"},
    "map.tooltip.name": {"vi": "Xã/phường", "en": "Commune"},
    "map.tooltip.former_district": {"vi": "Huyện cũ", "en": "Former district"},
    "map.tooltip.value": {"vi": "Giá trị", "en": "Value"},
    "map.direction.higher_risk": {"vi": "cao hơn = nguy cơ cao hơn", "en": "higher = more risk"},
    "map.direction.lower_risk": {"vi": "cao hơn = nguy cơ thấp hơn", "en": "higher = less risk"},
    "map.direction.unknown": {"vi": "chiều tác động chưa xác định", "en": "direction not set"},
    "map.extra_indicator": {
        "vi": "Chỉ số bổ sung (không có trong danh mục): {key}",
        "en": "Extra indicator (not in the registry): {key}",
    },
    "map.source": {"vi": "Nguồn", "en": "Source"},
    "map.selected": {"vi": "Xã đang chọn", "en": "Selected commune"},
    "map.click_hint": {
        "vi": "Bấm vào một xã trên bản đồ để xem chi tiết.",
        "en": "Click a commune on the map to see its details.",
    },
    "map.summary": {
        "vi": "{n} xã có số liệu năm {year}; trung vị {median}",
        "en": "{n} communes with data in {year}; median {median}",
    },
    "map.table": {"vi": "Bảng số liệu", "en": "Data table"},
    "map.vulnerability_note": {
        "vi": "Tỷ lệ dân tộc thiểu số mô tả mức độ dễ tổn thương của một địa bàn (khó tiếp cận dịch vụ, thông tin), không mô tả con người.",
        "en": "Ethnic-minority share describes a place's vulnerability (access to services and information), never people.",
    },
    "col.commune_id": {"vi": "Mã xã", "en": "Commune code"},
    "col.name": {"vi": "Tên", "en": "Name"},
    "col.former_district": {"vi": "Huyện cũ", "en": "Former district"},
    "col.value": {"vi": "Giá trị", "en": "Value"},
    "col.class": {"vi": "Lớp", "en": "Class"},
}

# --- loaders and validation (risk/io.py) -------------------------------------
_IO: dict[str, dict[str, str]] = {
    # where a problem is
    "io.at.row": {"vi": "dòng {row}", "en": "row {row}"},
    "io.at.feature": {"vi": "đối tượng {row}", "en": "feature {row}"},
    "io.at.column": {"vi": "cột {column}", "en": "column {column}"},
    "io.more_problems": {
        "vi": "còn {count} lỗi khác trong tệp này không được liệt kê; hãy sửa các lỗi trên rồi nạp lại để xem tiếp.",
        "en": "and {count} more problems in this file; fix the ones above and load it again to see the rest.",
    },
    # files and folders
    "io.folder_missing": {"vi": "không tìm thấy thư mục bộ dữ liệu này.", "en": "this dataset folder does not exist."},
    "io.file_missing": {
        "vi": "thiếu tệp bắt buộc trong thư mục {folder}; cần một trong các tệp: {expected}.",
        "en": "a required file is missing from the folder {folder}; expected one of: {expected}.",
    },
    "io.ambiguous_files": {
        "vi": "có nhiều tệp cho cùng một loại dữ liệu ({found}); hãy chỉ giữ lại một tệp để không nạp nhầm bản cũ.",
        "en": "several files hold the same kind of data ({found}); keep only one so an old copy is not loaded by mistake.",
    },
    "io.file_not_found": {"vi": "không tìm thấy tệp.", "en": "the file does not exist."},
    "io.file_empty": {"vi": "tệp rỗng (0 byte).", "en": "the file is empty (0 bytes)."},
    "io.sites_too_large": {
        "vi": "tệp điểm lớn hơn {limit_kb} KB; một danh sách đồn, trạm chỉ cần vài KB.",
        "en": "the points file is larger than {limit_kb} KB; a list of posts needs only a few KB.",
    },
    "io.no_data": {
        "vi": "tệp không có dòng dữ liệu nào (chỉ có dòng tiêu đề hoặc để trống).",
        "en": "the file has no data rows (only a header, or nothing at all).",
    },
    "io.no_features": {"vi": "tệp không có đối tượng (vùng, đường) nào.", "en": "the file contains no features."},
    "io.no_geometry": {
        "vi": "tệp không có cột hình học; cần một lớp bản đồ có hình học, không phải bảng thuộc tính.",
        "en": "the file has no geometry column; a map layer with geometry is needed, not an attribute table.",
    },
    "io.file_unreadable": {"vi": "không đọc được tệp: {reason}.", "en": "the file cannot be read: {reason}."},
    "io.unsupported_format": {
        "vi": "không hỗ trợ định dạng '{suffix}'; hãy dùng một trong các định dạng: {expected}.",
        "en": "the format '{suffix}' is not supported; use one of: {expected}.",
    },
    "io.not_utf8": {
        "vi": "tệp không được mã hoá UTF-8 (gặp ký tự không hợp lệ ở dòng này); có thể tệp đã được lưu bằng "
        "Windows-1258, TCVN3 hoặc VNI. Trong Excel hãy chọn Lưu thành → 'CSV UTF-8 (phân cách bằng dấu phẩy)', "
        "hoặc lưu thành tệp .xlsx.",
        "en": "the file is not encoded in UTF-8 (an invalid character was found in this row); it was probably saved "
        "as Windows-1258, TCVN3 or VNI. In Excel choose Save As → 'CSV UTF-8 (Comma delimited)', or save it as .xlsx.",
    },
    "io.utf16": {
        "vi": "tệp được mã hoá UTF-16 (kiểu 'Unicode Text' của Excel), trong khi chỉ nhận UTF-8. Trong Excel hãy chọn "
        "Lưu thành → 'CSV UTF-8 (phân cách bằng dấu phẩy)', hoặc lưu thành tệp .xlsx.",
        "en": "the file is encoded in UTF-16 (Excel's 'Unicode Text'), but only UTF-8 is accepted. In Excel choose "
        "Save As → 'CSV UTF-8 (Comma delimited)', or save it as .xlsx.",
    },
    "io.json_invalid": {"vi": "nội dung không phải JSON hợp lệ: {reason}.", "en": "the content is not valid JSON: {reason}."},
    "io.json_not_object": {
        "vi": "nội dung phải là một đối tượng JSON gồm các cặp khoá: giá trị.",
        "en": "the content must be a JSON object of key: value pairs.",
    },
    # table layout
    "io.missing_column": {
        "vi": "tệp không có cột bắt buộc này; các cột hiện có: {found}.",
        "en": "the file has no such column, and it is required; the columns present are: {found}.",
    },
    "io.duplicate_column": {
        "vi": "tên cột này xuất hiện {count} lần; mỗi cột phải có tên riêng.",
        "en": "this column name appears {count} times; every column needs its own name.",
    },
    "io.unnamed_column": {
        "vi": "cột thứ {index} có dữ liệu nhưng không có tên ở dòng tiêu đề.",
        "en": "column number {index} holds data but has no name in the header row.",
    },
    "io.bad_row_length": {
        "vi": "dòng này có {found} giá trị nhưng dòng tiêu đề chỉ có {expected} cột (có thể do dấu phẩy thừa trong một ô).",
        "en": "this row has {found} values but the header has only {expected} columns (perhaps a stray comma in a cell).",
    },
    # values
    "io.empty_value": {"vi": "ô này bị trống nhưng bắt buộc phải có giá trị.", "en": "this cell is empty, but a value is required."},
    "io.not_a_number": {"vi": "giá trị '{value}' không phải là số.", "en": "'{value}' is not a number."},
    "io.decimal_comma": {
        "vi": "giá trị '{value}' có dấu phẩy; hãy ghi phần thập phân sau dấu chấm (12.5, không phải 12,5) "
        "và không dùng dấu phân cách hàng nghìn (1234, không phải 1,234 hay 1.234).",
        "en": "'{value}' contains a comma; write decimals with a point (12.5, not 12,5) "
        "and thousands without a separator (1234, not 1,234).",
    },
    "io.not_integer": {"vi": "giá trị '{value}' phải là số nguyên.", "en": "'{value}' must be a whole number."},
    "io.year_out_of_range": {
        "vi": "năm {value} không hợp lý; năm phải nằm trong khoảng {min}–{max}.",
        "en": "the year {value} is implausible; years must be within {min}–{max}.",
    },
    "io.rate_out_of_range": {
        "vi": "tỷ lệ {value} nằm ngoài khoảng 0–100 (tỷ lệ ghi theo phần trăm, ví dụ 12.5 cho 12,5%).",
        "en": "the rate {value} is outside 0–100 (rates are percentages, e.g. 12.5 for 12.5%).",
    },
    "io.negative_value": {"vi": "giá trị {value} không được là số âm.", "en": "the value {value} cannot be negative."},
    "io.unknown_value": {
        "vi": "giá trị '{value}' không hợp lệ; các giá trị được phép: {allowed}.",
        "en": "'{value}' is not an allowed value; allowed values: {allowed}.",
    },
    # identifiers
    "io.duplicate_row_id": {
        "vi": "mã '{value}' đã có ở dòng {first_row}; mỗi mã chỉ được xuất hiện một lần.",
        "en": "the id '{value}' already appears in row {first_row}; each id must appear only once.",
    },
    "io.duplicate_feature_id": {
        "vi": "mã xã '{value}' đã có ở đối tượng {first_row}; mỗi xã chỉ được có một mã riêng.",
        "en": "the commune code '{value}' already appears in feature {first_row}; each commune needs its own code.",
    },
    "io.duplicate_commune_year": {
        "vi": "xã '{commune_id}' năm {year} đã có ở dòng {first_row}; mỗi xã chỉ có một dòng cho mỗi năm.",
        "en": "commune '{commune_id}' in {year} already appears in row {first_row}; each commune has one row per year.",
    },
    "io.unknown_commune": {
        "vi": "mã xã '{value}' không có trong tệp ranh giới xã.",
        "en": "the commune code '{value}' is not in the boundaries file.",
    },
    # geometry and coordinate systems
    "io.geometry_empty": {"vi": "đối tượng không có hình học (rỗng).", "en": "the feature has no geometry (it is empty)."},
    "io.geometry_invalid": {
        "vi": "hình học không hợp lệ ({reason}). Hãy sửa trong QGIS (Vectơ → Công cụ hình học → Sửa hình học) rồi nạp lại.",
        "en": "the geometry is invalid ({reason}). Fix it in QGIS (Vector → Geometry Tools → Fix Geometries) and load it again.",
    },
    "io.geometry_not_polygon": {
        "vi": "hình học kiểu {geom_type}; ranh giới xã phải là vùng (Polygon hoặc MultiPolygon).",
        "en": "the geometry is a {geom_type}; commune boundaries must be areas (Polygon or MultiPolygon).",
    },
    "io.geometry_not_line": {
        "vi": "hình học kiểu {geom_type}; đường biên giới phải là đường (LineString hoặc MultiLineString).",
        "en": "the geometry is a {geom_type}; the border must be lines (LineString or MultiLineString).",
    },
    "io.crs_missing": {
        "vi": "toạ độ không phải độ kinh/vĩ (ví dụ x = {x}, y = {y}) nhưng tệp không khai báo hệ toạ độ (CRS) tương ứng. "
        "Hãy cho biết hệ toạ độ của tệp, ví dụ VN-2000 hoặc WGS 84 / UTM 48N (EPSG:32648): kèm tệp .prj, "
        "hoặc lưu lại thành GeoPackage có khai báo CRS.",
        "en": "the coordinates are not degrees (e.g. x = {x}, y = {y}) but the file does not declare its coordinate "
        "reference system (CRS). State the file's CRS, e.g. VN-2000 or WGS 84 / UTM 48N (EPSG:32648): include the .prj "
        "file, or save it again as a GeoPackage with its CRS.",
    },
    "io.crs_mismatch": {
        "vi": "tệp khai báo hệ toạ độ {crs} (đơn vị mét) nhưng toạ độ trông như độ kinh/vĩ (ví dụ x = {x}, y = {y}); "
        "hãy khai báo đúng hệ toạ độ của tệp.",
        "en": "the file declares the CRS {crs} (in metres) but the coordinates look like degrees (e.g. x = {x}, y = {y}); "
        "declare the file's real CRS.",
    },
    "io.crs_unusable": {
        "vi": "không chuyển được hệ toạ độ {crs} sang WGS 84 (EPSG:4326): {reason}.",
        "en": "the CRS {crs} cannot be converted to WGS 84 (EPSG:4326): {reason}.",
    },
    "io.coords_out_of_range": {
        "vi": "sau khi chuyển từ {crs} sang WGS 84, toạ độ ({bounds}) nằm ngoài phạm vi kinh độ −180…180, vĩ độ −90…90; "
        "hãy kiểm tra hệ toạ độ khai báo trong tệp.",
        "en": "after conversion from {crs} to WGS 84 the coordinates ({bounds}) are outside longitude −180…180, "
        "latitude −90…90; check the CRS the file declares.",
    },
    # cases
    "io.date_invalid": {
        "vi": "'{value}' không phải là ngày hợp lệ; hãy ghi dạng YYYY-MM-DD (ví dụ 2024-03-25) hoặc DD/MM/YYYY.",
        "en": "'{value}' is not a valid date; write it as YYYY-MM-DD (e.g. 2024-03-25) or DD/MM/YYYY.",
    },
    "io.date_future": {
        "vi": "ngày {value} nằm trong tương lai (hôm nay là {today}).",
        "en": "the date {value} is in the future (today is {today}).",
    },
    "io.date_too_old": {
        "vi": "ngày {value} quá xa; chỉ nhận vụ việc từ năm {min} trở đi.",
        "en": "the date {value} is too far back; only cases from {min} onwards are accepted.",
    },
    "io.victims_below_one": {
        "vi": "số nạn nhân là {value}; mỗi vụ việc phải có ít nhất 1 nạn nhân.",
        "en": "the number of victims is {value}; each case has at least 1 victim.",
    },
    "io.no_location": {
        "vi": "vụ việc không có vị trí; cần mã xã (commune_id) hoặc cả kinh độ và vĩ độ (lon, lat).",
        "en": "the case has no location; give a commune code (commune_id) or both longitude and latitude (lon, lat).",
    },
    "io.lonlat_incomplete": {
        "vi": "chỉ có một trong hai toạ độ lon/lat; hãy ghi cả hai hoặc để trống cả hai.",
        "en": "only one of lon/lat is given; give both or leave both empty.",
    },
    "io.lonlat_out_of_range": {
        "vi": "toạ độ (lon {lon}, lat {lat}) nằm ngoài phạm vi kinh độ/vĩ độ; cần độ thập phân WGS 84, ví dụ lon 104.5, lat 19.2.",
        "en": "the position (lon {lon}, lat {lat}) is outside the longitude/latitude range; use WGS 84 decimal degrees, "
        "e.g. lon 104.5, lat 19.2.",
    },
    "io.point_outside": {
        "vi": "điểm (lon {lon}, lat {lat}) không nằm trong xã nào của tệp ranh giới (nằm ngoài địa bàn tỉnh).",
        "en": "the point (lon {lon}, lat {lat}) lies in no commune of the boundaries file (outside the province).",
    },
    "io.point_wrong_commune": {
        "vi": "điểm (lon {lon}, lat {lat}) nằm trong xã {actual_name} (mã {actual_id}), không phải xã '{value}' như ghi trong tệp.",
        "en": "the point (lon {lon}, lat {lat}) lies in {actual_name} (code {actual_id}), not in commune '{value}' as the file says.",
    },
}

# --- risk model and backtest (risk/features.py, risk/model.py) ----------------
_MODEL: dict[str, dict[str, str]] = {
    # errors: data or options the model cannot work with
    "model.bad_patrol_weight": {
        "vi": "Trọng số của vụ việc do tuần tra phát hiện phải là một số từ 0 đến 1 (nhận được: {value}).",
        "en": "The weight of patrol-detected cases must be a number from 0 to 1 (got: {value}).",
    },
    "model.bad_kind": {
        "vi": "Không có loại mô hình '{value}'; hãy chọn một trong: {allowed}.",
        "en": "There is no model kind '{value}'; choose one of: {allowed}.",
    },
    "model.bad_bootstrap": {
        "vi": "Số lần ước lượng lại (bootstrap) phải là số nguyên từ 0 trở lên (nhận được: {value}).",
        "en": "The number of bootstrap refits must be a whole number, 0 or more (got: {value}).",
    },
    "model.unknown_feature": {
        "vi": "Bộ dữ liệu này không có đặc trưng '{feature}'; các đặc trưng hiện có: {available}.",
        "en": "This dataset has no feature '{feature}'; the features available are: {available}.",
    },
    "model.no_cases": {
        "vi": "Bộ dữ liệu không có vụ việc nào được ghi nhận, nên không thể huấn luyện hay kiểm định ngược mô hình. "
        "Hãy dùng chỉ số tổng hợp, vốn không cần dữ liệu vụ việc.",
        "en": "The dataset has no recorded cases, so the model can be neither trained nor backtested. "
        "Use the composite index, which needs no case data.",
    },
    "model.single_year": {
        "vi": "Bộ dữ liệu chỉ có một năm ({year}): chưa biết số vụ việc của năm sau, nên không thể huấn luyện hay "
        "kiểm định ngược mô hình. Kiểm định ngược cần ít nhất 3 năm số liệu.",
        "en": "The dataset has a single year ({year}): the next year's cases are unknown, so the model can be neither "
        "trained nor backtested. A backtest needs at least 3 years of data.",
    },
    "model.one_class_positive": {
        "vi": "Năm nào mọi xã cũng có vụ việc, nên mô hình không có gì để phân biệt và không thể huấn luyện trên dữ liệu này.",
        "en": "Every commune has a case every year, so there is nothing for the model to tell apart; it cannot be "
        "trained on this data.",
    },
    "model.one_class_negative": {
        "vi": "Không xã nào có vụ việc được tính trong các năm dùng làm \"năm sau\" (từ năm thứ hai trở đi, theo trọng số "
        "đã chọn cho vụ việc do tuần tra phát hiện), nên không thể huấn luyện mô hình.",
        "en": "No commune has a counted case in any year that can serve as a \"next year\" (the second year on, with the "
        "chosen weight of patrol-detected cases), so the model cannot be trained.",
    },
    "model.no_features": {
        "vi": "Không còn đặc trưng nào để huấn luyện: tất cả đều bị loại ra, bị thiếu hoặc có giá trị không đổi.",
        "en": "No feature is left to train on: every one was left out, is missing or has a constant value.",
    },
    "model.no_folds": {
        "vi": "Không thể kiểm định ngược: cần ít nhất hai năm đã biết số vụ việc của năm sau, và các năm huấn luyện phải có "
        "cả xã có lẫn xã không có vụ việc. Bộ dữ liệu có {years} năm như vậy.",
        "en": "Cannot backtest: it needs at least two years whose next year's cases are known, and training years with "
        "communes both with and without cases. The dataset has {years} such year(s).",
    },
    "model.year_not_in_data": {
        "vi": "Bộ dữ liệu không có năm {year}; số liệu có từ năm {first} đến năm {last}.",
        "en": "The year {year} is not in the dataset; its data run from {first} to {last}.",
    },
    "model.no_history": {
        "vi": "Không đủ số liệu lịch sử để chấm điểm năm {year}: các năm trước đó phải có cả xã có lẫn xã không có vụ việc.",
        "en": "Not enough history to score {year}: the years before it need communes both with and without cases.",
    },
    # notes on a result
    "model.note.no_poverty": {
        "vi": "Bộ dữ liệu không có tỷ lệ hộ nghèo (poverty_rate), nên không tính được đường cơ sở theo tỷ lệ nghèo.",
        "en": "The dataset has no poverty rate (poverty_rate), so the poverty baseline cannot be computed.",
    },
    "model.note.fold_skipped": {
        "vi": "Bỏ qua lần kiểm định năm {year}: các năm huấn luyện trước đó chưa có cả xã có lẫn xã không có vụ việc.",
        "en": "The fold testing {year} was skipped: the training years before it lack communes both with and without cases.",
    },
    "model.note.dropped_missing": {
        "vi": "Đặc trưng {feature} không được dùng khi huấn luyện cho năm {years}: không có giá trị nào trong số liệu huấn luyện.",
        "en": "The feature {feature} was left out when training for {years}: it has no values in the training data.",
    },
    "model.note.dropped_constant": {
        "vi": "Đặc trưng {feature} không được dùng khi huấn luyện cho năm {years}: giá trị như nhau ở mọi nơi trong số liệu "
        "huấn luyện nên không mang thông tin.",
        "en": "The feature {feature} was left out when training for {years}: it has the same value everywhere in the "
        "training data, so it carries no information.",
    },
    "model.note.no_positive_year": {
        "vi": "Năm {year} không xã nào có vụ việc: AUC và tỷ lệ bắt được của lần kiểm định này không xác định và không được "
        "tính vào giá trị trung bình.",
        "en": "No commune had a case in {year}: that fold's AUC and capture rates are undefined and left out of the means.",
    },
    # derived features (risk/features.py)
    "model.feature.dist_border_km": {"vi": "Khoảng cách đến biên giới (km)", "en": "Distance to the border (km)"},
    "model.feature.dist_gate_km": {
        "vi": "Khoảng cách đến cửa khẩu gần nhất (km)", "en": "Distance to the nearest border gate (km)",
    },
    "model.feature.cases_t": {"vi": "Số vụ việc ghi nhận trong năm", "en": "Recorded cases this year"},
    "model.feature.cases_t1": {"vi": "Số vụ việc ghi nhận năm trước", "en": "Recorded cases the year before"},
    "model.feature.neighbour_cases_t": {
        "vi": "Số vụ việc trung bình ở các xã giáp ranh trong năm", "en": "Mean recorded cases in neighbouring communes this year",
    },
    # kinds, methods and metrics
    "model.kind.logistic": {"vi": "hồi quy logistic", "en": "logistic regression"},
    "model.kind.gbm": {"vi": "cây quyết định tăng cường (gradient boosting)", "en": "gradient boosting"},
    "model.method.model": {"vi": "Mô hình", "en": "Model"},
    "model.method.last_year": {"vi": "Số vụ năm trước", "en": "Last year's cases"},
    "model.method.poverty": {"vi": "Tỷ lệ hộ nghèo", "en": "Poverty rate"},
    "model.metric.auc": {"vi": "AUC", "en": "AUC"},
    "model.metric.brier": {"vi": "Brier", "en": "Brier"},
    "model.metric.capture_10": {"vi": "Bắt được @10%", "en": "Capture @10%"},
    "model.metric.capture_20": {"vi": "Bắt được @20%", "en": "Capture @20%"},
    "model.metric.pai_10": {"vi": "PAI @10%", "en": "PAI @10%"},
    # command line (risk/cli.py)
    "model.cli.mean_title": {
        "vi": "Kiểm định ngược theo thời gian ({model}), trung bình của {folds} lần kiểm định:",
        "en": "Rolling backtest ({model}), mean over {folds} folds:",
    },
    "model.cli.shuffled": {
        "vi": "AUC khi xáo trộn nhãn (kiểm tra rò rỉ, kỳ vọng khoảng 0,5): {auc}",
        "en": "AUC with shuffled labels (leakage check, expect about 0.5): {auc}",
    },
    "model.cli.folds_title": {"vi": "Từng lần kiểm định:", "en": "Per fold:"},
    "model.cli.fold": {
        "vi": "Năm kiểm định {year} (huấn luyện trên các năm {train}; {n} xã, {positive} xã có vụ việc)",
        "en": "Test year {year} (trained on {train}; {n} communes, {positive} with cases)",
    },
    "model.cli.notes_title": {"vi": "Ghi chú:", "en": "Notes:"},
    "model.cli.not_available": {"vi": "không có", "en": "n/a"},
    "model.cli.score_title": {
        "vi": "Điểm nguy cơ năm {year} ({model}): xác suất có ít nhất một vụ việc được ghi nhận trong năm {next}",
        "en": "Risk scores for {year} ({model}): probability of at least one recorded case in {next}",
    },
    "model.cli.col.rank": {"vi": "Hạng", "en": "Rank"},
    "model.cli.col.interval": {"vi": "Khoảng 90%", "en": "90% interval"},
    "model.cli.col.commune": {"vi": "Xã/phường", "en": "Commune"},
    "model.cli.col.score": {"vi": "Điểm", "en": "Score"},
    "model.cli.col.drivers": {"vi": "Yếu tố chính", "en": "Main drivers"},
}

# --- composite index (risk/composite.py) ---------------------------------------
_COMPOSITE: dict[str, dict[str, str]] = {
    # errors (CompositeError codes)
    "composite.unknown_indicator": {
        "vi": "có trọng số cho chỉ số không có trong bộ dữ liệu: {indicators}; các chỉ số hiện có: {available}.",
        "en": "weights are given for indicators that are not in the dataset: {indicators}; the indicators present are: {available}.",
    },
    "composite.negative_weight": {
        "vi": "trọng số của chỉ số {indicator} là {weight}; trọng số không được âm (đặt bằng 0 để bỏ chỉ số này ra khỏi chỉ số tổng hợp).",
        "en": "the weight of {indicator} is {weight}; weights cannot be negative (set it to 0 to leave the indicator out of the composite index).",
    },
    "composite.weight_not_number": {
        "vi": "trọng số của chỉ số {indicator} là '{weight}', không phải là một số hữu hạn.",
        "en": "the weight of {indicator} is '{weight}', which is not a finite number.",
    },
    "composite.all_weights_zero": {
        "vi": "tất cả trọng số đều bằng 0; cần ít nhất một chỉ số có trọng số lớn hơn 0.",
        "en": "all weights are zero; at least one indicator needs a weight above zero.",
    },
    "composite.year_missing": {
        "vi": "không có số liệu chỉ số cho năm {year}; các năm có số liệu: {available}.",
        "en": "there are no indicator data for {year}; years with data: {available}.",
    },
    "composite.no_directed_indicators": {
        "vi": "không có chỉ số nào đã xác định chiều tác động (cao hơn là nguy cơ cao hơn hay thấp hơn) nên không tính được "
        "chỉ số tổng hợp; hãy chọn chiều cho ít nhất một chỉ số. Các chỉ số hiện có: {available}.",
        "en": "no indicator has a risk direction (whether higher means more or less risk), so no composite index can be "
        "computed; set the direction of at least one indicator. Indicators present: {available}.",
    },
    "composite.no_direction": {
        "vi": "chỉ số {indicator} chưa xác định chiều tác động (cao hơn là nguy cơ cao hơn hay thấp hơn); hãy chọn chiều cho chỉ số "
        "này hoặc đặt trọng số của nó bằng 0.",
        "en": "{indicator} has no risk direction (whether higher means more or less risk); set its direction or give it a weight of 0.",
    },
    "composite.direction_invalid": {
        "vi": "chiều tác động của chỉ số {indicator} là '{value}'; chỉ nhận True (cao hơn là nguy cơ cao hơn), False (cao hơn là "
        "nguy cơ thấp hơn) hoặc None (chưa xác định).",
        "en": "the direction of {indicator} is '{value}'; only True (higher = more risk), False (higher = less risk) or None "
        "(not set) are accepted.",
    },
    "composite.unknown_method": {
        "vi": "phương pháp tổng hợp '{method}' không hợp lệ; hãy chọn một trong: {allowed}.",
        "en": "'{method}' is not a known aggregation method; choose one of: {allowed}.",
    },
    "composite.invalid_change": {
        "vi": "mức thay đổi trọng số {change} không hợp lệ; cần một số lớn hơn 0 và nhỏ hơn 1 (ví dụ 0.2 cho ±20%).",
        "en": "the weight change {change} is invalid; it must be above 0 and below 1 (e.g. 0.2 for ±20%).",
    },
    "composite.reserved_name": {
        "vi": "chỉ số '{indicator}' trùng tên với một cột kết quả ({reserved}); hãy đổi tên cột này trong tệp chỉ số.",
        "en": "the indicator '{indicator}' has the same name as a result column ({reserved}); rename that column in the indicators file.",
    },
    # notes shown next to the index
    "composite.method.arithmetic": {"vi": "Trung bình cộng có trọng số", "en": "Weighted arithmetic mean"},
    "composite.method.geometric": {"vi": "Trung bình nhân có trọng số", "en": "Weighted geometric mean"},
    "composite.geometric_note": {
        "vi": "Trung bình nhân: một chỉ số thấp kéo cả chỉ số tổng hợp xuống (không được bù hết bởi chỉ số cao khác). "
        "Giá trị chuẩn hoá dưới {floor} được nâng lên {floor} để một chỉ số bằng 0 không xoá mất các chỉ số còn lại.",
        "en": "Geometric mean: one low indicator pulls the whole index down (high values elsewhere do not fully offset it). "
        "Normalised values below {floor} are raised to {floor} so that a single zero does not wipe out the other indicators.",
    },
    "composite.constant_indicator": {
        "vi": "Các chỉ số sau có cùng một giá trị ở mọi xã trong năm {year} nên được tính là 0,5 ở mọi nơi và không giúp "
        "phân biệt các xã: {indicators}.",
        "en": "These indicators have the same value in every commune in {year}, so they count as 0.5 everywhere and do not "
        "tell communes apart: {indicators}.",
    },
    "composite.missing_note": {
        "vi": "{count} xã thiếu số liệu một số chỉ số; chỉ số tổng hợp của các xã này được tính trên các chỉ số hiện có, "
        "với trọng số được chia lại cho các chỉ số đó.",
        "en": "{count} communes lack some indicators; their composite index is computed over the indicators they have, "
        "with the weights rescaled over those.",
    },
}

# --- import and store (risk/store.py, risk/importer.py) ------------------------
_STORE: dict[str, dict[str, str]] = {
    # limits and archives (risk/formats.py)
    "import.file_too_large": {
        "vi": "tệp nặng {size_mb} MB, vượt giới hạn {limit_mb} MB cho mỗi tệp tải lên; hãy chia nhỏ tệp hoặc nhờ "
        "quản trị viên tăng RISK_MAX_UPLOAD_MB.",
        "en": "the file is {size_mb} MB, over the {limit_mb} MB limit per upload; split the file or ask an "
        "administrator to raise RISK_MAX_UPLOAD_MB.",
    },
    "import.zip_invalid": {
        "vi": "tệp không phải là tệp nén .zip đọc được (có thể bị hỏng hoặc chỉ đổi đuôi tệp).",
        "en": "the file is not a readable .zip archive (it may be damaged, or only renamed).",
    },
    "import.zip_too_many_files": {
        "vi": "tệp nén chứa {count} tệp, nhiều hơn giới hạn {limit}; chỉ nén các tệp của một lớp bản đồ.",
        "en": "the archive holds {count} files, more than the limit of {limit}; zip only the files of one map layer.",
    },
    "import.zip_unsafe_path": {
        "vi": "tệp nén chứa mục '{member}' có đường dẫn ra ngoài thư mục giải nén (../, đường dẫn tuyệt đối hoặc "
        "liên kết); tệp bị từ chối và không có gì được giải nén.",
        "en": "the archive holds '{member}', whose path leaves the extraction folder (../, an absolute path or a "
        "link); the archive is refused and nothing was extracted.",
    },
    "import.zip_encrypted": {
        "vi": "mục '{member}' trong tệp nén có mật khẩu; hãy nén lại không đặt mật khẩu.",
        "en": "'{member}' in the archive is password-protected; zip it again without a password.",
    },
    "import.zip_too_large": {
        "vi": "khi giải nén, tệp nén sẽ chiếm {size_mb} MB, vượt giới hạn {limit_mb} MB; tệp bị từ chối trước khi giải nén.",
        "en": "the archive would expand to {size_mb} MB, over the {limit_mb} MB limit; it was refused before extraction.",
    },
    "import.zip_ratio": {
        "vi": "mục '{member}' nở ra gấp {ratio} lần khi giải nén (giới hạn {limit} lần), dấu hiệu của một 'bom zip'; "
        "tệp bị từ chối trước khi giải nén.",
        "en": "'{member}' expands {ratio} times when extracted (the limit is {limit} times), the mark of a zip bomb; "
        "the archive was refused before extraction.",
    },
    "import.zip_no_layer": {
        "vi": "tệp nén không chứa lớp bản đồ nào (.shp, .gpkg hoặc .geojson); các tệp có trong đó: {found}.",
        "en": "the archive contains no map layer (.shp, .gpkg or .geojson); files found: {found}.",
    },
    "import.zip_several_layers": {
        "vi": "tệp nén chứa nhiều lớp bản đồ ({found}); hãy nén riêng lớp ranh giới xã.",
        "en": "the archive contains several map layers ({found}); zip only the commune boundaries layer.",
    },
    "import.encoding_unknown": {
        "vi": "không nhận ra bảng mã của tệp: không phải UTF-8, UTF-16 hay Windows-1258 (có thể là TCVN3/ABC hoặc VNI). "
        "Hãy chuyển sang Unicode (ví dụ bằng Unikey), rồi trong Excel chọn Lưu thành → 'CSV UTF-8', hoặc lưu thành .xlsx.",
        "en": "the file's encoding is not recognised: it is not UTF-8, UTF-16 or Windows-1258 (it may be TCVN3/ABC or "
        "VNI). Convert it to Unicode (e.g. with Unikey), then in Excel choose Save As → 'CSV UTF-8', or save as .xlsx.",
    },
    "import.header_not_found": {
        "vi": "dòng này trông như một tiêu đề (chỉ một ô '{value}', có thể được gộp qua nhiều cột) và không dòng nào "
        "ở phía trên bảng có tên các cột {expected}; hãy ghi tên cột trên một dòng ngay trên dữ liệu.",
        "en": "this row looks like a title (a single cell '{value}', perhaps merged across the columns) and no row "
        "at the top of the table names the columns {expected}; put the column names in one row just above the data.",
    },
    # boundaries (risk/importer.py)
    "import.layout_unknown": {
        "vi": "không nhận ra cách đặt tên cột (chuẩn commune_id/name, GADM, geoBoundaries hay HDX COD-AB); các cột hiện có: "
        "{found}. Hãy cho biết cột nào là mã xã và tên xã, ví dụ commune_id=MA_XA name=TEN_XA.",
        "en": "the column layout is not recognised (standard commune_id/name, GADM, geoBoundaries or HDX COD-AB); "
        "columns present: {found}. Say which columns hold the commune code and name, e.g. commune_id=MA_XA name=TEN_XA.",
    },
    "import.mapping_target_unknown": {
        "vi": "bảng ghép cột dùng tên cột đích không có trong ranh giới xã; chỉ được dùng: {allowed}.",
        "en": "the column mapping uses a target the boundaries cannot have; use one of: {allowed}.",
    },
    "import.mapping_column_missing": {
        "vi": "bảng ghép cột trỏ tới cột này nhưng tệp không có cột đó; các cột hiện có: {found}.",
        "en": "the column mapping points to this column, but the file has no such column; columns present: {found}.",
    },
    "import.geometry_unrepairable": {
        "vi": "hình học không hợp lệ ({reason}) và không sửa được: sau khi sửa không còn diện tích nào. Hãy vẽ lại "
        "ranh giới xã này trong QGIS.",
        "en": "the geometry is invalid ({reason}) and cannot be repaired: no area is left after repair. Redraw this "
        "commune's boundary in QGIS.",
    },
    "import.formula_in_text": {
        "vi": "'{value}' bắt đầu bằng =, +, - hoặc @ nên Excel sẽ chạy nó như một công thức; tên và mã không được là "
        "công thức. Hãy sửa ô này.",
        "en": "'{value}' starts with =, +, - or @, so Excel would run it as a formula; names and codes cannot be "
        "formulas. Correct this cell.",
    },
    "import.markup_in_text": {
        "vi": "'{value}' chứa thẻ HTML (<...>); tên và mã không được chứa mã HTML. Hãy sửa ô này.",
        "en": "'{value}' contains an HTML tag (<...>); names and codes cannot contain markup. Correct this cell.",
    },
    "import.script_in_text": {
        "vi": "'{value}' chứa dấu ` hoặc ${{ mà bản đồ sẽ chạy như mã JavaScript; tên, mã và loại không được chứa "
        "các ký tự này. Hãy sửa ô này.",
        "en": "'{value}' contains a backtick (`) or ${{, which a map would run as JavaScript; names, codes and kinds "
        "cannot contain them. Correct this cell.",
    },
    "import.link_in_text": {
        "vi": "'{value}' chứa cú pháp liên kết hoặc hình ảnh Markdown (](...) hoặc ![...]) mà trang sẽ tải về; tên và "
        "mã không được chứa liên kết. Hãy sửa ô này.",
        "en": "'{value}' contains Markdown link or image syntax (](...) or ![...]), which a page would fetch; names "
        "and codes cannot contain links. Correct this cell.",
    },
    "import.name_ambiguous": {
        "vi": "tên xã '{value}' trùng với nhiều xã: {candidates}; hãy ghi mã xã (commune_id), hoặc thêm cột former_district.",
        "en": "the commune name '{value}' matches several communes: {candidates}; give the commune code (commune_id), "
        "or add a former_district column.",
    },
    "import.name_unmatched": {
        "vi": "tên xã '{value}' không khớp với xã nào trong tệp ranh giới; hãy ghi mã xã (commune_id).",
        "en": "the commune name '{value}' matches no commune in the boundaries; give the commune code (commune_id).",
    },
    "import.name_unmatched_suggest": {
        "vi": "tên xã '{value}' không khớp với xã nào trong tệp ranh giới; có phải là '{suggestion}' (mã {suggestion_id})?",
        "en": "the commune name '{value}' matches no commune in the boundaries; did you mean '{suggestion}' "
        "(code {suggestion_id})?",
    },
    # notes: what was detected or repaired (the import goes ahead)
    "import.note.layout": {
        "vi": "nhận ra cách đặt tên cột {layout}; các cột được dùng: {columns}.",
        "en": "recognised the {layout} column layout; columns used: {columns}.",
    },
    "import.note.foreign_ids": {
        "vi": "mã xã lấy từ {layout} (ví dụ '{example}'), không phải mã xã chính thức; các bảng chỉ tiêu và vụ việc "
        "phải dùng đúng các mã này hoặc dùng tên xã.",
        "en": "the commune codes come from {layout} (e.g. '{example}'), not the official codes; indicator and case "
        "tables must use these codes, or commune names.",
    },
    "import.note.geometry_repaired": {
        "vi": "hình học không hợp lệ ({reason}) đã được sửa tự động bằng make_valid: {before} → {after}. Hãy kiểm tra "
        "ranh giới xã này trên bản đồ.",
        "en": "the invalid geometry ({reason}) was repaired with make_valid: {before} → {after}. Check this "
        "commune's outline on the map.",
    },
    "import.note.reprojected": {
        "vi": "hệ toạ độ của tệp là {crs}; đã chuyển sang WGS 84 (EPSG:4326) bằng phép biến đổi '{method}' "
        "(độ chính xác {accuracy}).",
        "en": "the file's CRS is {crs}; converted to WGS 84 (EPSG:4326) with '{method}' (accuracy {accuracy}).",
    },
    "import.note.crs_ballpark": {
        "vi": "không có tham số chuyển đổi datum cho {crs}, nên vị trí có thể lệch tới vài trăm mét; nếu đây là "
        "VN-2000, hãy khai báo đúng mã EPSG (ví dụ 3405, 9208) hoặc tệp .prj có TOWGS84.",
        "en": "there are no datum shift parameters for {crs}, so positions may be off by a few hundred metres; if "
        "this is VN-2000, declare its EPSG code (e.g. 3405, 9208) or a .prj with TOWGS84.",
    },
    "import.note.dbf_encoding": {
        "vi": "bảng thuộc tính của shapefile được đọc với bảng mã {encoding} (nhận ra tự động khi thiếu tệp .cpg).",
        "en": "the shapefile's attributes were read as {encoding} (detected when the .cpg file is missing).",
    },
    "import.note.layer_chosen": {
        "vi": "tệp có nhiều lớp ({layers}); đã đọc lớp '{layer}'.",
        "en": "the file has several layers ({layers}); the layer '{layer}' was read.",
    },
    "import.note.columns_renamed": {
        "vi": "đã nhận ra các cột: {columns}.",
        "en": "recognised the columns: {columns}.",
    },
    "import.note.encoding": {
        "vi": "tệp được mã hoá {encoding} (không phải UTF-8); đã đọc đúng và chuẩn hoá chữ tiếng Việt (NFC).",
        "en": "the file is encoded in {encoding} (not UTF-8); it was read as such and the Vietnamese text normalised (NFC).",
    },
    "import.note.delimiter": {
        "vi": "các cột được phân cách bằng '{delimiter}' thay vì dấu phẩy; đã nhận ra tự động.",
        "en": "the columns are separated by '{delimiter}' rather than commas; this was detected.",
    },
    "import.note.header_row": {
        "vi": "dòng tiêu đề cột là dòng này; các dòng {skipped} phía trên (tiêu đề, ghi chú) được bỏ qua.",
        "en": "the column names are in this row; rows {skipped} above it (titles, notes) were skipped.",
    },
    "import.note.matched_by_name": {
        "vi": "số dòng không có mã xã đã được ghép với xã theo tên: {count}.",
        "en": "rows without a commune code matched to a commune by name: {count}.",
    },
    "import.note.excel_serial_dates": {
        "vi": "số ngày được lưu dưới dạng số sê-ri của Excel và đã được chuyển thành ngày: {count}.",
        "en": "dates stored as Excel serial numbers and converted to dates: {count}.",
    },
    "import.note.same_as_version": {
        "vi": "các tệp này giống hệt các tệp của phiên bản {version}; vẫn tạo phiên bản mới.",
        "en": "these files are identical to those of version {version}; a new version was created anyway.",
    },
    # the store (risk/store.py)
    "store.label_unsafe": {
        "vi": "Nhãn phiên bản '{label}' chứa nội dung mà trang hoặc bảng tính sẽ chạy như mã (công thức, thẻ HTML, dấu `, "
        "${{ hoặc liên kết Markdown). Hãy đặt nhãn khác; chưa có gì được lưu.",
        "en": "The version label '{label}' holds text a page or a spreadsheet would run as code (a formula, an HTML tag, "
        "a backtick, ${{ or a Markdown link). Choose another label; nothing was stored.",
    },
    "store.label_too_long": {
        "vi": "Nhãn phiên bản dài quá {limit} ký tự; chưa có gì được lưu.",
        "en": "The version label is longer than {limit} characters; nothing was stored.",
    },
    "store.missing": {
        "vi": "chưa có kho dữ liệu tại {path}; hãy nhập một bộ dữ liệu trước.",
        "en": "there is no store at {path} yet; import a dataset first.",
    },
    "store.not_a_store": {
        "vi": "tệp {path} không phải là kho dữ liệu của ứng dụng này ({reason}).",
        "en": "the file {path} is not this application's store ({reason}).",
    },
    "store.no_active_version": {
        "vi": "kho dữ liệu {path} chưa có phiên bản nào đang dùng; hãy nhập hoặc kích hoạt một phiên bản.",
        "en": "the store {path} has no active version; import or activate one.",
    },
    "store.version_unknown": {
        "vi": "không có phiên bản {version} trong kho dữ liệu.",
        "en": "there is no version {version} in the store.",
    },
    # command line (risk/cli.py)
    "store.cli.imported": {
        "vi": "Đã nhập phiên bản {version} ({label}) và đặt làm phiên bản đang dùng.",
        "en": "Imported version {version} ({label}) and made it the active one.",
    },
    "store.cli.rejected": {
        "vi": "Không nhập: có {count} lỗi cần sửa; kho dữ liệu không thay đổi.",
        "en": "Not imported: {count} problems to fix; the store is unchanged.",
    },
    "store.cli.activated": {
        "vi": "Phiên bản {version} đã được đặt làm phiên bản đang dùng.",
        "en": "Version {version} is now the active one.",
    },
    "store.cli.no_versions": {"vi": "Kho dữ liệu {path} chưa có phiên bản nào.", "en": "The store {path} has no versions yet."},
    "store.cli.notes": {"vi": "Ghi chú:", "en": "Notes:"},
    "store.cli.errors": {"vi": "Lỗi:", "en": "Problems:"},
    "store.cli.bad_mapping": {
        "vi": "ghép cột '{value}' không đúng dạng; hãy viết cột=TÊN_CỘT_TRONG_TỆP, ví dụ commune_id=MA_XA.",
        "en": "the mapping '{value}' is malformed; write column=FILE_COLUMN, e.g. commune_id=MA_XA.",
    },
    # the audit log's hash chain (risk/audit_chain.py, `python -m risk audit verify`, pages/audit.py)
    "store.audit.ok": {
        "vi": "Nhật ký kiểm toán nguyên vẹn: chuỗi mã băm của cả {rows} mục đều khớp.",
        "en": "The audit log is intact: the hash chain of all {rows} entries checks out.",
    },
    "store.audit.broken": {
        "vi": "Nhật ký kiểm toán ĐÃ BỊ CAN THIỆP (có {rows} mục), lỗi đầu tiên ở mục {id}: {reason}",
        "en": "The audit log has been TAMPERED WITH ({rows} entries); the first broken entry is {id}: {reason}",
    },
    "store.audit.head": {
        "vi": "Mã băm cuối chuỗi: {head}. Hãy ghi lại ở nơi khác: lần kiểm tra sau sẽ biết các mục cuối có bị xoá không.",
        "en": "Last hash of the chain: {head}. Write it down elsewhere: a later check can then tell whether entries "
        "were removed from the end.",
    },
    "store.audit.unsealed": {
        "vi": "mục {id} không có mã băm: nó được thêm vào tệp từ bên ngoài ứng dụng (ghi chèn giả mạo).",
        "en": "entry {id} has no hash: it was added to the file outside the application (a forged insert).",
    },
    "store.audit.changed": {
        "vi": "nội dung mục {id} không còn khớp với mã băm của nó: mục đã bị sửa sau khi ghi, hoặc bị giả mạo.",
        "en": "the content of entry {id} no longer matches its hash: it was changed after it was written, or forged.",
    },
    "store.audit.deleted": {
        "vi": "thiếu các mục {missing} trước mục {id}: chúng đã bị xoá.",
        "en": "entries {missing} before entry {id} are missing: they were deleted.",
    },
    "store.audit.inserted": {
        "vi": "mục {id} không nối tiếp mục {previous}: một mục đã bị chèn vào đây, hoặc mục trước đó đã bị thay.",
        "en": "entry {id} does not follow entry {previous}: an entry was inserted here, or the one before replaced.",
    },
    "store.audit.not_first": {
        "vi": "mục {id} không phải là điểm đầu của chuỗi: các mục đầu tiên đã bị thay hoặc xoá.",
        "en": "entry {id} does not start the chain: the first entries were replaced or removed.",
    },
    "store.audit.warn_backwards": {
        "vi": "cảnh báo: mục {id} ghi thời điểm {at}, sớm hơn mục {previous} ({previous_at}): đồng hồ máy đã bị "
        "chỉnh lùi, hoặc mục này bị ghi lùi ngày.",
        "en": "warning: entry {id} is dated {at}, earlier than entry {previous} ({previous_at}): the clock was set "
        "back, or the entry was back-dated.",
    },
    "store.audit.warn_triggers": {
        "vi": "cảnh báo: lớp bảo vệ chỉ-ghi-thêm của nhật ký ({names}) đã bị gỡ khỏi tệp.",
        "en": "warning: the append-only protection of the audit log ({names}) has been removed from the file.",
    },
}

# --- model card page and commune panel (pages/model.py, pages/risk_map.py) ---
_MODEL_PAGE: dict[str, dict[str, str]] = {
    "page.model": {"vi": "Mô hình", "en": "Model"},
    "mp.intro": {
        "vi": "Thẻ mô hình: mô hình dự báo khả năng một xã có ít nhất một vụ việc được ghi nhận trong năm tới, "
        "được kiểm định trên các năm nó chưa từng thấy và so với cách làm hiện nay.",
        "en": "Model card: the model estimates the chance that a commune has at least one recorded case next year; "
        "it is tested on years it has not seen and compared with how decisions are made today.",
    },
    "mp.settings": {"vi": "Thiết lập mô hình", "en": "Model settings"},
    "mp.kind": {"vi": "Loại mô hình", "en": "Model type"},
    "mp.kind.logistic": {"vi": "Hồi quy logistic (mặc định, dễ giải thích)", "en": "Logistic regression (default, explainable)"},
    "mp.kind.gbm": {"vi": "Gradient boosting (phương án thay thế)", "en": "Gradient boosting (alternative)"},
    "mp.drop_ethnic": {
        "vi": "Không dùng tỷ lệ dân tộc thiểu số trong mô hình",
        "en": "Leave ethnic-minority share out of the model",
    },
    "mp.patrol_weight": {
        "vi": "Trọng số của vụ việc do tuần tra phát hiện",
        "en": "Weight of cases detected by patrols",
    },
    "mp.patrol_help": {
        "vi": "Vụ việc được ghi nhận nhiều hơn ở nơi có tuần tra. 1 = tính đủ, 0 = bỏ ra khỏi huấn luyện, ở giữa = giảm trọng số.",
        "en": "Cases are recorded more where patrols go. 1 = count fully, 0 = leave out of training, in between = down-weight.",
    },
    "mp.data_used": {"vi": "Dữ liệu sử dụng", "en": "Data used"},
    "mp.data_summary": {
        "vi": "{dataset}: {communes} xã, các năm {years}, {cases} vụ việc được ghi nhận. Đơn vị: xã-năm; mục tiêu: có ít nhất một vụ việc vào năm sau.",
        "en": "{dataset}: {communes} communes, years {years}, {cases} recorded cases. Unit: commune-year; target: at least one recorded case the next year.",
    },
    "mp.features": {"vi": "Đặc trưng đầu vào", "en": "Input features"},
    "mp.backtest": {"vi": "Kiểm định theo thời gian (backtest)", "en": "Temporal backtest"},
    "mp.backtest_help": {
        "vi": "Mỗi lần: huấn luyện trên các năm trước, kiểm tra trên năm kế tiếp. Không bao giờ đánh giá trên dữ liệu huấn luyện.",
        "en": "Each fold trains on earlier years and tests on the next year. Never scored on training data.",
    },
    "mp.method.model": {"vi": "Mô hình", "en": "Model"},
    "mp.method.last_year": {"vi": "Vụ việc năm trước (cách làm hiện nay)", "en": "Last year's cases (today's practice)"},
    "mp.method.poverty": {"vi": "Xếp hạng theo tỷ lệ nghèo", "en": "Poverty rank"},
    "mp.metric.auc": {"vi": "ROC AUC", "en": "ROC AUC"},
    "mp.metric.brier": {"vi": "Brier (thấp hơn là tốt hơn)", "en": "Brier (lower is better)"},
    "mp.metric.capture_10": {"vi": "Tỷ lệ vụ việc trong 10% xã đứng đầu", "en": "Cases captured by top 10%"},
    "mp.metric.capture_20": {"vi": "Tỷ lệ vụ việc trong 20% xã đứng đầu", "en": "Cases captured by top 20%"},
    "mp.metric.pai_10": {"vi": "PAI tại 10%", "en": "PAI at 10%"},
    "mp.method": {"vi": "Phương pháp", "en": "Method"},
    "mp.shuffled": {
        "vi": "Đối chứng xáo trộn nhãn: AUC = {auc} (phải gần 0,5; nếu cao hơn nhiều là có rò rỉ dữ liệu).",
        "en": "Shuffled-label control: AUC = {auc} (should be near 0.5; far above would mean leakage).",
    },
    "mp.folds": {"vi": "Từng lần kiểm định", "en": "Each fold"},
    "mp.test_year": {"vi": "Năm kiểm tra", "en": "Test year"},
    "mp.train_years": {"vi": "Năm huấn luyện", "en": "Training years"},
    "mp.positives": {"vi": "Xã có vụ việc", "en": "Communes with cases"},
    "mp.capture_curve": {"vi": "Đường thu nhận vụ việc", "en": "Capture curve"},
    "mp.capture_help": {
        "vi": "Nếu ưu tiên x% số xã theo từng cách xếp hạng, bao nhiêu phần vụ việc năm sau nằm trong các xã đó (gộp các lần kiểm định).",
        "en": "If the top x% of communes by each ranking were prioritised, the share of next year's cases they hold (all folds pooled).",
    },
    "mp.share_communes": {"vi": "Tỷ lệ xã được ưu tiên", "en": "Share of communes prioritised"},
    "mp.share_cases": {"vi": "Tỷ lệ vụ việc thu nhận", "en": "Share of cases captured"},
    "mp.calibration": {"vi": "Hiệu chuẩn", "en": "Calibration"},
    "mp.calibration_help": {
        "vi": "Xác suất dự báo so với tỷ lệ thực tế, theo 10 nhóm. Điểm nằm gần đường chéo là mô hình hiệu chuẩn tốt.",
        "en": "Predicted probability against the observed share, in 10 groups. Points near the diagonal mean a well-calibrated model.",
    },
    "mp.predicted": {"vi": "Xác suất dự báo", "en": "Predicted probability"},
    "mp.observed": {"vi": "Tỷ lệ thực tế", "en": "Observed share"},
    "mp.importance": {"vi": "Mô hình dựa vào đâu", "en": "What the model leans on"},
    "mp.importance_logistic": {
        "vi": "Hệ số trên đặc trưng đã chuẩn hóa (log-odds trên một độ lệch chuẩn; dương = tăng nguy cơ).",
        "en": "Coefficients on standardised features (log-odds per standard deviation; positive = more risk).",
    },
    "mp.importance_gbm": {
        "vi": "Mức giảm AUC khi xáo trộn từng đặc trưng (permutation importance).",
        "en": "Drop in AUC when each feature is shuffled (permutation importance).",
    },
    "mp.feature": {"vi": "Đặc trưng", "en": "Feature"},
    "mp.importance_value": {"vi": "Mức ảnh hưởng", "en": "Importance"},
    "mp.ethnic": {"vi": "Có và không có tỷ lệ dân tộc thiểu số", "en": "With and without ethnic-minority share"},
    "mp.ethnic_help": {
        "vi": "Tỷ lệ dân tộc thiểu số mô tả mức dễ tổn thương của địa bàn, không mô tả con người. Bảng này cho thấy mô hình phụ thuộc vào nó đến mức nào; người lập kế hoạch có thể bỏ nó ra.",
        "en": "Ethnic-minority share describes a place's vulnerability, never people. This shows how much the model depends on it; planners can leave it out.",
    },
    "mp.auc_with": {"vi": "AUC có chỉ số", "en": "AUC with it"},
    "mp.auc_without": {"vi": "AUC không có chỉ số", "en": "AUC without it"},
    "mp.auc_change": {"vi": "Thay đổi AUC", "en": "AUC change"},
    "mp.top_overlap": {
        "vi": "Trùng nhau trong {n} xã đứng đầu năm {year}: {overlap}/{n}",
        "en": "Overlap of the top {n} communes in {year}: {overlap}/{n}",
    },
    "mp.feedback": {"vi": "Vòng phản hồi tuần tra", "en": "Patrol feedback loop"},
    "mp.feedback_state": {
        "vi": "Vụ việc do tuần tra phát hiện đang được tính với trọng số {weight}. {share} vụ việc trong dữ liệu do tuần tra phát hiện.",
        "en": "Cases detected by patrols currently count with weight {weight}. {share} of the recorded cases were detected by patrols.",
    },
    "mp.limitations": {"vi": "Giới hạn cần biết", "en": "Limitations"},
    "mp.limitations_text": {
        "vi": "- Mô hình dự báo **vụ việc được ghi nhận**, không phải toàn bộ nạn mua bán người: nơi ít được kiểm tra có thể bị đánh giá thấp.\n"
        "- Điểm số là xác suất ước tính cho cả xã, không nói gì về bất kỳ người hay gia đình nào.\n"
        "- Vụ việc hiếm: khoảng tin cậy của thứ hạng rộng; hãy xem khoảng này trước khi so sánh hai xã gần nhau.\n"
        "- Dữ liệu chỉ số có thể cũ hoặc thiếu; giá trị thiếu được thay bằng trung vị.\n"
        "- Mô hình hỗ trợ, không thay thế, hiểu biết của cán bộ địa phương.",
        "en": "- The model predicts **recorded** cases, not all trafficking: places that are checked less may be under-rated.\n"
        "- A score is an estimated probability for a whole commune; it says nothing about any person or family.\n"
        "- Cases are rare, so rank intervals are wide; look at them before comparing two close communes.\n"
        "- Indicator data may be old or incomplete; missing values are replaced by the median.\n"
        "- The model supports, and does not replace, the knowledge of local officers.",
    },
    "mp.notes": {"vi": "Ghi chú", "en": "Notes"},
    "mp.cannot_run": {"vi": "Không chạy được mô hình trên bộ dữ liệu này:", "en": "The model cannot run on this dataset:"},
    "mp.running": {"vi": "Đang kiểm định mô hình…", "en": "Backtesting the model…"},
    "map.score": {"vi": "Điểm nguy cơ (mô hình)", "en": "Risk score (model)"},
    "map.score_caption": {
        "vi": "Xác suất có ít nhất một vụ việc được ghi nhận năm {next_year}, từ dữ liệu năm {year}.",
        "en": "Probability of at least one recorded case in {next_year}, from {year} data.",
    },
    "panel.score": {"vi": "Điểm nguy cơ {next_year}", "en": "Risk score {next_year}"},
    "panel.rank": {"vi": "Thứ hạng", "en": "Rank"},
    "panel.rank_value": {"vi": "{rank} / {n}", "en": "{rank} of {n}"},
    "panel.rank_interval": {"vi": "Khoảng 90%: hạng {low}–{high}", "en": "90% interval: rank {low}–{high}"},
    "panel.drivers": {"vi": "Lý do chính", "en": "Main reasons"},
    "panel.drivers_cases_hidden": {
        "vi": "Số vụ việc đã ghi nhận cũng góp phần vào điểm này; mức đóng góp được ẩn với vai trò của bạn, vì nó "
        "có thể làm lộ số vụ nhỏ. Các lý do trên được chọn trong các chỉ số khác.",
        "en": "Recorded cases also count in this score; their share is hidden for your role, because it could give "
        "small counts away. The reasons above are chosen among the other indicators.",
    },
    "panel.driver_up": {"vi": "làm tăng nguy cơ", "en": "raises the risk"},
    "panel.driver_down": {"vi": "làm giảm nguy cơ", "en": "lowers the risk"},
    "panel.indicators": {"vi": "Các chỉ số qua các năm", "en": "Indicators over the years"},
    "panel.cases": {"vi": "Vụ việc được ghi nhận theo năm", "en": "Recorded cases by year"},
    "panel.cases_suppressed": {
        "vi": "Số dưới {k} được hiển thị là \"<{k}\" để bảo vệ nạn nhân.",
        "en": "Counts under {k} are shown as \"<{k}\" to protect victims.",
    },
    "map.composite": {"vi": "Chỉ số tổng hợp (trọng số chỉnh được)", "en": "Composite index (editable weights)"},
    "map.composite_caption": {
        "vi": "0–100: trung bình có trọng số của các chỉ số đã chuẩn hóa (100 = nguy cơ cao nhất ở mọi chỉ số). Dùng khi chưa có số liệu vụ việc.",
        "en": "0–100: weighted mean of normalised indicators (100 = riskiest on every indicator). For data without case records.",
    },
    "map.composite_weights": {"vi": "Trọng số của chỉ số tổng hợp", "en": "Composite index weights"},
    "map.composite_method": {"vi": "Cách kết hợp", "en": "How to combine"},
    "map.composite_sensitivity": {
        "vi": "Độ nhạy với trọng số ±20%: tương quan hạng thấp nhất {spearman}; trùng top 10 ít nhất {top10}/10; {moved} xã có hạng thay đổi hơn 5 bậc.",
        "en": "Sensitivity to ±20% weights: lowest rank correlation {spearman}; top-10 overlap at least {top10}/10; {moved} communes move more than 5 places.",
    },
    "panel.composite_range": {
        "vi": "Chỉ số tổng hợp {index}, hạng {rank} (hạng {low}–{high} khi trọng số thay đổi ±20%)",
        "en": "Composite index {index}, rank {rank} (rank {low}–{high} when weights change by ±20%)",
    },
    "panel.year": {"vi": "Năm", "en": "Year"},
    "panel.count": {"vi": "Số vụ", "en": "Cases"},
}

# --- data and audit pages (pages/data.py, pages/audit.py) -------------------
_DATA_PAGE: dict[str, dict[str, str]] = {
    "page.data": {"vi": "Dữ liệu", "en": "Data"},
    "page.audit": {"vi": "Nhật ký", "en": "Audit log"},
    "dp.intro": {
        "vi": "Nhập dữ liệu của địa phương: ranh giới xã, chỉ số và sổ vụ việc. Mọi tệp được kiểm tra và xem trước; chỉ khi không có lỗi mới được lưu thành một phiên bản mới. Có thể quay lại phiên bản cũ bất cứ lúc nào.",
        "en": "Bring your own data: commune boundaries, indicators and the case register. Every file is checked and previewed; only an upload with no errors is saved, as a new version. Earlier versions can be made active again at any time.",
    },
    "dp.active": {"vi": "Phiên bản đang dùng: #{version} «{label}», nhập lúc {at} (UTC) bởi {user}", "en": "Active version: #{version} “{label}”, imported {at} (UTC) by {user}"},
    "dp.no_store": {
        "vi": "Chưa có phiên bản nào trong kho; bảng điều khiển đang đọc thư mục {folder}.",
        "en": "The store holds no version yet; the dashboard reads the folder {folder}.",
    },
    "dp.upload": {"vi": "Tải lên", "en": "Upload"},
    "dp.part.boundaries": {"vi": "Ranh giới xã (GeoPackage, GeoJSON hoặc Shapefile nén .zip)", "en": "Commune boundaries (GeoPackage, GeoJSON or zipped Shapefile)"},
    "dp.part.indicators": {"vi": "Chỉ số (CSV hoặc XLSX)", "en": "Indicators (CSV or XLSX)"},
    "dp.part.cases": {"vi": "Sổ vụ việc (CSV hoặc XLSX, không bắt buộc)", "en": "Case register (CSV or XLSX, optional)"},
    "dp.part.border": {"vi": "Đường biên giới (GeoJSON, không bắt buộc)", "en": "Border line (GeoJSON, optional)"},
    "dp.part.gates": {"vi": "Cửa khẩu (CSV: name, lon, lat; không bắt buộc)", "en": "Border gates (CSV: name, lon, lat; optional)"},
    "dp.label": {"vi": "Tên phiên bản", "en": "Version label"},
    "dp.mapping": {"vi": "Ghép cột (nếu bố cục không được nhận ra)", "en": "Column mapping (when the layout is not recognised)"},
    "dp.mapping_help": {
        "vi": "Mỗi dòng một cặp: commune_id=MA_XA, name=TEN_XA; cho bảng khác: indicators:commune_id=Mã xã",
        "en": "One pair per line: commune_id=MA_XA, name=TEN_XA; for other tables: indicators:commune_id=Mã xã",
    },
    "dp.mapping_bad": {"vi": "Dòng ghép cột không hợp lệ: {line}", "en": "Not a valid mapping line: {line}"},
    "dp.check": {"vi": "Kiểm tra và xem trước", "en": "Check and preview"},
    "dp.need_files": {"vi": "Cần ít nhất tệp ranh giới và tệp chỉ số.", "en": "At least the boundaries and the indicators are needed."},
    "dp.report": {"vi": "Báo cáo kiểm tra", "en": "Check report"},
    "dp.ok": {"vi": "Không có lỗi: có thể lưu thành phiên bản mới.", "en": "No errors: this can be saved as a new version."},
    "dp.errors": {"vi": "{n} lỗi; chưa lưu gì. Hãy sửa tệp rồi tải lại:", "en": "{n} errors; nothing was saved. Fix the files and upload again:"},
    "dp.notes": {"vi": "Những gì đã phát hiện và sửa", "en": "What was detected and repaired"},
    "dp.file": {"vi": "Tệp", "en": "File"},
    "dp.format": {"vi": "Định dạng", "en": "Format"},
    "dp.encoding": {"vi": "Mã hóa ký tự", "en": "Encoding"},
    "dp.delimiter": {"vi": "Dấu phân cách", "en": "Delimiter"},
    "dp.layout": {"vi": "Bố cục", "en": "Layout"},
    "dp.crs": {"vi": "Hệ tọa độ", "en": "CRS"},
    "dp.reprojection": {"vi": "Chuyển đổi", "en": "Reprojection"},
    "dp.rows_read": {"vi": "Dòng đọc được", "en": "Rows read"},
    "dp.rows_kept": {"vi": "Dòng hợp lệ", "en": "Rows kept"},
    "dp.matched_by_id": {"vi": "Khớp theo mã", "en": "Matched by code"},
    "dp.matched_by_name": {"vi": "Khớp theo tên", "en": "Matched by name"},
    "dp.unmatched": {"vi": "Không khớp", "en": "Unmatched"},
    "dp.unmatched_table": {"vi": "Tên không khớp và gợi ý gần nhất", "en": "Unmatched names and the closest match"},
    "dp.repairs": {"vi": "Hình học đã sửa (make_valid)", "en": "Geometries repaired (make_valid)"},
    "dp.row": {"vi": "Dòng", "en": "Row"},
    "dp.name": {"vi": "Tên", "en": "Name"},
    "dp.suggestion": {"vi": "Gợi ý", "en": "Suggestion"},
    "dp.reason": {"vi": "Lý do", "en": "Reason"},
    "dp.preview": {"vi": "Xem trước trên bản đồ", "en": "Preview on the map"},
    "dp.commit": {"vi": "Lưu thành phiên bản mới và sử dụng", "en": "Save as a new version and use it"},
    "dp.committed": {"vi": "Đã lưu phiên bản #{version}; các trang đang dùng phiên bản này.", "en": "Saved version #{version}; every page now uses it."},
    "dp.rejected": {"vi": "Không lưu được:", "en": "Could not save:"},
    "dp.versions": {"vi": "Các phiên bản", "en": "Versions"},
    "dp.compare": {"vi": "So sánh hai phiên bản", "en": "Compare two versions"},
    "dp.activate": {"vi": "Dùng lại phiên bản", "en": "Make this version active"},
    "dp.activated": {"vi": "Phiên bản #{version} đang được sử dụng.", "en": "Version #{version} is now active."},
    "dp.version": {"vi": "Phiên bản", "en": "Version"},
    "ap.intro": {
        "vi": "Mọi lần đăng nhập, nhập dữ liệu, đổi phiên bản và xuất dữ liệu được ghi lại. Nhật ký chỉ xem, không sửa hay xóa được.",
        "en": "Every sign-in, import, version change and export is recorded. The log can be read, never changed or deleted.",
    },
    "ap.user": {"vi": "Người dùng", "en": "User"},
    "ap.action": {"vi": "Hành động", "en": "Action"},
    "ap.since": {"vi": "Từ ngày", "en": "From"},
    "ap.until": {"vi": "Đến ngày", "en": "To"},
    "ap.all": {"vi": "(tất cả)", "en": "(all)"},
    "ap.at": {"vi": "Thời điểm (UTC)", "en": "Time (UTC)"},
    "ap.details": {"vi": "Chi tiết", "en": "Details"},
    "ap.rows": {"vi": "Số dòng", "en": "Rows"},
    "ap.empty": {"vi": "Chưa có mục nào.", "en": "No entries yet."},
}

# --- accounts and sign-in (risk/accounts.py, ui/auth.py) ---------------------
_ACCOUNTS: dict[str, dict[str, str]] = {
    "accounts.bad_username": {
        "vi": "Tên đăng nhập '{username}' không hợp lệ: chỉ dùng chữ, số và . _ - @ (tối đa 64 ký tự).",
        "en": "User name '{username}' is not valid: use letters, digits and . _ - @ only (at most 64 characters).",
    },
    "accounts.password_too_short": {
        "vi": "Mật khẩu phải có ít nhất {minimum} ký tự.", "en": "The password must have at least {minimum} characters.",
    },
    "accounts.exists": {"vi": "Tài khoản '{username}' đã tồn tại.", "en": "Account '{username}' already exists."},
    "accounts.unknown": {"vi": "Không có tài khoản '{username}'.", "en": "There is no account '{username}'."},
    "auth.title": {"vi": "Đăng nhập", "en": "Sign in"},
    "auth.intro": {
        "vi": "Dữ liệu vụ việc mô tả nạn nhân: chỉ người có tài khoản mới được xem.",
        "en": "Case records describe victims: only account holders may see them.",
    },
    "auth.username": {"vi": "Tên đăng nhập", "en": "User name"},
    "auth.password": {"vi": "Mật khẩu", "en": "Password"},
    "auth.submit": {"vi": "Đăng nhập", "en": "Sign in"},
    "auth.invalid": {
        "vi": "Đăng nhập không thành công: sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khóa do nhập sai "
        "nhiều lần hay đã bị vô hiệu hóa. Hãy thử lại sau hoặc liên hệ quản trị viên.",
        "en": "Sign-in refused: wrong user name or password, or the account is locked after repeated failures "
        "or disabled. Try again later or ask an administrator.",
    },
    "auth.expired": {
        "vi": "Phiên làm việc đã hết hạn sau {minutes} phút không hoạt động. Vui lòng đăng nhập lại.",
        "en": "The session expired after {minutes} idle minutes. Please sign in again.",
    },
    "auth.demo_button": {"vi": "Xem thử không cần mật khẩu (chỉ đọc)", "en": "Try it without a password (read-only)"},
    "auth.demo_banner": {
        "vi": "Chế độ xem thử: bạn được đăng nhập tự động với vai trò Cán bộ kế hoạch, chỉ đọc. Không hiển thị vị trí vụ việc.",
        "en": "Demo mode: you are signed in automatically as a read-only planner. Case locations are never shown.",
    },
    "auth.signed_in_as": {"vi": "Đăng nhập: {user} ({role})", "en": "Signed in: {user} ({role})"},
    "auth.sign_out": {"vi": "Đăng xuất", "en": "Sign out"},
    "auth.forbidden": {"vi": "Vai trò của bạn không được mở trang này.", "en": "Your role may not open this page."},
    "auth.demo_user": {"vi": "khách xem thử", "en": "demo visitor"},
    "role.admin": {"vi": "Quản trị", "en": "Administrator"},
    "role.commander": {"vi": "Chỉ huy (Biên phòng/Công an)", "en": "Commander (border guard/police)"},
    "role.planner": {"vi": "Cán bộ kế hoạch", "en": "Planner"},
    "role.official": {"vi": "Cán bộ lãnh đạo, quản lý", "en": "Official"},
    "accounts.first_admin": {
        "vi": "Đã tạo tài khoản quản trị đầu tiên. Tên đăng nhập: admin  Mật khẩu: {password}  (chỉ hiện một lần; hãy đổi và cất giữ cẩn thận)",
        "en": "First administrator account created. User name: admin  Password: {password}  (shown once only; change it and keep it safe)",
    },
    "accounts.password_too_long": {
        "vi": "Mật khẩu không được dài quá {maximum} ký tự.", "en": "The password must have at most {maximum} characters.",
    },
    "accounts.init_exists": {
        "vi": "Cơ sở dữ liệu tài khoản {path} đã có tài khoản; không tạo mật khẩu mới.",
        "en": "The accounts database {path} already has accounts; no password was created.",
    },
    "auth.throttled": {
        "vi": "Quá nhiều lần đăng nhập từ kết nối này. Vui lòng chờ {seconds} giây rồi thử lại.",
        "en": "Too many sign-in attempts from this connection. Wait {seconds} seconds, then try again.",
    },
    "auth.session_ended": {
        "vi": "Phiên làm việc đã kết thúc vì tài khoản đã bị vô hiệu hóa, bị xóa hoặc được đặt lại mật khẩu. "
        "Vui lòng đăng nhập lại.",
        "en": "Your session has ended: the account was disabled, removed or its password was reset. Please sign in again.",
    },
    "auth.demo_ended": {
        "vi": "Chế độ xem thử đã kết thúc vì dữ liệu thật đã được mở. Vui lòng đăng nhập.",
        "en": "Demo mode has ended because real data is now open. Please sign in.",
    },
}

# --- hotspots (risk/hotspots.py, pages/hotspots.py) ------------------------------
_HOTSPOTS: dict[str, dict[str, str]] = {
    "page.hotspots": {"vi": "Điểm nóng", "en": "Hotspots"},
    "hotspots.intro": {
        "vi": "Điểm nóng, điểm lạnh của các vụ việc đã ghi nhận (Getis-Ord Gi*, kiểm định hoán vị, hiệu chỉnh FDR) "
        "và xu hướng theo thời gian của từng xã.",
        "en": "Hot and cold spots of recorded cases (Getis-Ord Gi*, permutation test, FDR correction) "
        "and each commune's trend over time.",
    },
    "hotspots.running": {"vi": "Đang tính điểm nóng…", "en": "Computing hotspots…"},
    "hotspots.period": {"vi": "Giai đoạn (năm)", "en": "Period (years)"},
    "hotspots.measure": {"vi": "Đại lượng", "en": "Measure"},
    "hotspots.measure.count": {"vi": "Số vụ việc", "en": "Number of cases"},
    "hotspots.measure.rate": {
        "vi": "Số vụ trên 10.000 dân (bình quân năm)", "en": "Cases per 10,000 population (yearly average)",
    },
    "hotspots.form": {"vi": "Loại hình", "en": "Form"},
    "hotspots.form.all": {"vi": "Tất cả loại hình", "en": "All forms"},
    "hotspots.form.sexual_exploitation": {"vi": "Bóc lột tình dục", "en": "Sexual exploitation"},
    "hotspots.form.forced_marriage": {"vi": "Cưỡng ép kết hôn", "en": "Forced marriage"},
    "hotspots.form.forced_labour": {"vi": "Cưỡng bức lao động", "en": "Forced labour"},
    "hotspots.form.child_trafficking": {"vi": "Mua bán trẻ em", "en": "Child trafficking"},
    "hotspots.form.other": {"vi": "Khác", "en": "Other"},
    "hotspots.weights": {"vi": "Xác định xã lân cận", "en": "Neighbours"},
    "hotspots.weights.contiguity": {"vi": "Chung ranh giới (Queen)", "en": "Shared boundary (Queen contiguity)"},
    "hotspots.weights.distance": {"vi": "Trong bán kính (km)", "en": "Within a distance band (km)"},
    "hotspots.band_km": {"vi": "Bán kính (km)", "en": "Distance band (km)"},
    "hotspots.permutations": {"vi": "Số lần hoán vị", "en": "Permutations"},
    "hotspots.belt": {"vi": "Chỉ vành đai biên giới", "en": "Border belt only"},
    "hotspots.belt_km": {"vi": "Cách biên giới không quá (km)", "en": "Distance to the border at most (km)"},
    "hotspots.no_border": {
        "vi": "Bộ dữ liệu không có đường biên giới nên không lọc được vành đai biên giới.",
        "en": "The dataset has no border line, so the border belt cannot be filtered.",
    },
    "hotspots.belt_note": {
        "vi": "Phân tích tính trên toàn bộ {n} xã; bản đồ và bảng chỉ nêu {m} xã có phần lãnh thổ cách biên giới "
        "không quá {km} km.",
        "en": "The analysis covers all {n} communes; the map and the table pick out the {m} communes with land within "
        "{km} km of the border.",
    },
    "hotspots.class.hot_99": {"vi": "Điểm nóng – độ tin cậy 99%", "en": "Hot spot – 99% confidence"},
    "hotspots.class.hot_95": {"vi": "Điểm nóng – độ tin cậy 95%", "en": "Hot spot – 95% confidence"},
    "hotspots.class.hot_90": {"vi": "Điểm nóng – độ tin cậy 90%", "en": "Hot spot – 90% confidence"},
    "hotspots.class.not_significant": {"vi": "Không có ý nghĩa thống kê", "en": "Not significant"},
    "hotspots.class.cold_90": {"vi": "Điểm lạnh – độ tin cậy 90%", "en": "Cold spot – 90% confidence"},
    "hotspots.class.cold_95": {"vi": "Điểm lạnh – độ tin cậy 95%", "en": "Cold spot – 95% confidence"},
    "hotspots.class.cold_99": {"vi": "Điểm lạnh – độ tin cậy 99%", "en": "Cold spot – 99% confidence"},
    "hotspots.trend.new_hot": {"vi": "Điểm nóng mới", "en": "New hot spot"},
    "hotspots.trend.consecutive_hot": {"vi": "Điểm nóng liên tiếp", "en": "Consecutive hot spot"},
    "hotspots.trend.intensifying_hot": {"vi": "Điểm nóng gia tăng", "en": "Intensifying hot spot"},
    "hotspots.trend.persistent_hot": {"vi": "Điểm nóng kéo dài", "en": "Persistent hot spot"},
    "hotspots.trend.diminishing_hot": {"vi": "Điểm nóng suy giảm", "en": "Diminishing hot spot"},
    "hotspots.trend.sporadic_hot": {"vi": "Điểm nóng lẻ tẻ", "en": "Sporadic hot spot"},
    "hotspots.trend.oscillating_hot": {"vi": "Điểm nóng dao động", "en": "Oscillating hot spot"},
    "hotspots.trend.historical_hot": {"vi": "Điểm nóng trước đây", "en": "Historical hot spot"},
    "hotspots.trend.new_cold": {"vi": "Điểm lạnh mới", "en": "New cold spot"},
    "hotspots.trend.consecutive_cold": {"vi": "Điểm lạnh liên tiếp", "en": "Consecutive cold spot"},
    "hotspots.trend.intensifying_cold": {"vi": "Điểm lạnh gia tăng", "en": "Intensifying cold spot"},
    "hotspots.trend.persistent_cold": {"vi": "Điểm lạnh kéo dài", "en": "Persistent cold spot"},
    "hotspots.trend.diminishing_cold": {"vi": "Điểm lạnh suy giảm", "en": "Diminishing cold spot"},
    "hotspots.trend.sporadic_cold": {"vi": "Điểm lạnh lẻ tẻ", "en": "Sporadic cold spot"},
    "hotspots.trend.oscillating_cold": {"vi": "Điểm lạnh dao động", "en": "Oscillating cold spot"},
    "hotspots.trend.historical_cold": {"vi": "Điểm lạnh trước đây", "en": "Historical cold spot"},
    "hotspots.trend.no_pattern": {"vi": "Không phát hiện xu hướng", "en": "No pattern detected"},
    "hotspots.legend": {"vi": "Lớp điểm nóng ({period})", "en": "Hotspot classes ({period})"},
    "hotspots.legend.outside_belt": {"vi": "Ngoài vành đai (làm mờ)", "en": "Outside the belt (faded)"},
    "hotspots.trends_title": {"vi": "Xu hướng theo thời gian", "en": "Trends over time"},
    "hotspots.layers.classes": {"vi": "Lớp điểm nóng", "en": "Hotspot classes"},
    "hotspots.layers.clusters": {"vi": "Vụ việc (gom cụm)", "en": "Cases (clustered)"},
    "hotspots.layers.heat": {"vi": "Bản đồ nhiệt vụ việc", "en": "Case heat map"},
    "hotspots.tooltip.class": {"vi": "Lớp", "en": "Class"},
    "hotspots.tooltip.trend": {"vi": "Xu hướng", "en": "Trend"},
    "hotspots.tooltip.cases": {"vi": "Số vụ trong giai đoạn", "en": "Cases in the period"},
    "hotspots.popup.case": {"vi": "Vụ việc", "en": "Case"},
    "hotspots.popup.date": {"vi": "Ngày", "en": "Date"},
    "hotspots.popup.victims": {"vi": "Số nạn nhân", "en": "Victims"},
    "hotspots.summary": {
        "vi": "{hot} xã điểm nóng, {cold} xã điểm lạnh trên {n} xã",
        "en": "{hot} hot-spot communes, {cold} cold-spot communes out of {n}",
    },
    "hotspots.method": {
        "vi": "Gi* với {permutations} lần hoán vị (hạt giống {seed}), giá trị p hai phía; FDR (Benjamini-Hochberg) áp dụng "
        "riêng cho từng mức tin cậy: ngưỡng p 90% = {cut90}, 95% = {cut95}, 99% = {cut99}. Xã lân cận: {weights}. "
        "Xu hướng: Gi* từng năm và kiểm định Mann-Kendall (p < {alpha}).",
        "en": "Gi* with {permutations} permutations (seed {seed}), two-sided p-values; FDR (Benjamini-Hochberg) applied "
        "separately at each confidence level: p cut-off 90% = {cut90}, 95% = {cut95}, 99% = {cut99}. Neighbours: "
        "{weights}. Trends: yearly Gi* and a Mann-Kendall test (p < {alpha}).",
    },
    "hotspots.method_public": {
        "vi": "Gi* với {permutations} lần hoán vị (hạt giống {seed}), giá trị p hai phía; FDR (Benjamini-Hochberg) áp dụng "
        "riêng cho từng mức tin cậy. Ngưỡng p, điểm z và giá trị p được tính từ số vụ việc nên chỉ hiện với vai trò xem "
        "được vụ việc. Xã lân cận: {weights}. Xu hướng: Gi* từng năm và kiểm định Mann-Kendall (p < {alpha}).",
        "en": "Gi* with {permutations} permutations (seed {seed}), two-sided p-values; FDR (Benjamini-Hochberg) applied "
        "separately at each confidence level. The p cut-offs, z-scores and p-values are computed from case counts, so "
        "only roles that may see cases are shown them. Neighbours: {weights}. Trends: yearly Gi* and a Mann-Kendall "
        "test (p < {alpha}).",
    },
    "hotspots.band_used": {"vi": "bán kính {km} km", "en": "a {km} km band"},
    "hotspots.islands": {
        "vi": "{count} xã không có xã lân cận nên được nối với xã gần nhất: {names}.",
        "en": "{count} communes had no neighbour and were linked to the nearest commune: {names}.",
    },
    "hotspots.excluded": {
        "vi": "{count} xã không có số dân nên không được phân tích theo tỷ lệ.",
        "en": "{count} communes have no population figure and are left out of the rate analysis.",
    },
    "hotspots.short_period": {
        "vi": "Cần ít nhất {n} năm để đánh giá xu hướng theo thời gian.",
        "en": "Trends over time need at least {n} years.",
    },
    "hotspots.few_years": {
        "vi": "Với {n} năm (dưới 10 năm), \"ít nhất 90% số năm\" nghĩa là mọi năm, nên không thể có loại \"trước đây\".",
        "en": "With {n} years (fewer than 10), \"at least 90% of the years\" means every year, so no \"historical\" "
        "pattern can occur.",
    },
    "hotspots.no_cases": {
        "vi": "Không có vụ việc nào trong giai đoạn và loại hình đã chọn.",
        "en": "There are no cases in the chosen period and form.",
    },
    "hotspots.points_hidden": {
        "vi": "Vị trí vụ việc chỉ hiển thị cho chỉ huy và quản trị viên. Bạn xem lớp điểm nóng và số vụ theo xã "
        "(số vụ dưới {k} được ẩn).",
        "en": "Case locations are shown to commanders and administrators only. You see the hotspot classes and case "
        "counts per commune (counts below {k} are hidden).",
    },
    "hotspots.points_shown": {
        "vi": "{n} vụ việc có tọa độ được vẽ (gom cụm; bật bản đồ nhiệt trong hộp lớp bản đồ).",
        "en": "{n} cases with coordinates are drawn (clustered; turn on the heat map in the layer box).",
    },
    "hotspots.table": {"vi": "Các xã điểm nóng", "en": "Hot-spot communes"},
    "hotspots.no_hot": {
        "vi": "Không có xã nào là điểm nóng có ý nghĩa thống kê trong lựa chọn này.",
        "en": "No commune is a statistically significant hot spot in this selection.",
    },
    "hotspots.col.class": {"vi": "Lớp", "en": "Class"},
    "hotspots.col.trend": {"vi": "Xu hướng", "en": "Trend"},
    "hotspots.col.total": {"vi": "Tổng số vụ", "en": "Total cases"},
    "hotspots.col.dist_border_km": {"vi": "Cách biên giới (km)", "en": "To the border (km)"},
    "hotspots.col.dist_gate_km": {"vi": "Cách cửa khẩu gần nhất (km)", "en": "To the nearest gate (km)"},
    "hotspots.col.gi_z": {"vi": "Gi* (z)", "en": "Gi* (z)"},
    "hotspots.col.p_value": {"vi": "Giá trị p", "en": "p-value"},
    "hotspots.download": {"vi": "Tải bảng (CSV)", "en": "Download the table (CSV)"},
    "hotspots.how_to_read": {"vi": "Cách đọc kết quả", "en": "How to read this"},
    "hotspots.how_to_read.text": {
        "vi": "Một xã là điểm nóng khi nó và các xã lân cận cùng có nhiều vụ việc hơn hẳn mức chung của toàn vùng, "
        "không chỉ riêng một xã. Độ tin cậy đã được hiệu chỉnh cho việc kiểm định nhiều xã cùng lúc (FDR). "
        "Xu hướng dựa trên điểm nóng của từng năm: \"mới\" – chỉ năm cuối là điểm nóng; \"liên tiếp\" – các năm cuối "
        "liền nhau; \"gia tăng\"/\"kéo dài\"/\"suy giảm\" – điểm nóng ít nhất 90% số năm, cường độ tăng/không đổi/giảm; "
        "\"lẻ tẻ\" – lúc có lúc không; \"dao động\" – từng là điểm lạnh; \"trước đây\" – năm cuối không còn là điểm nóng. "
        "Số vụ ghi nhận phụ thuộc vào nơi tuần tra: điểm nóng là nơi phát hiện nhiều, chưa chắc là nơi xảy ra nhiều.",
        "en": "A commune is a hot spot when it and its neighbours together have clearly more cases than the region as a "
        "whole, not just the commune alone. Confidence is corrected for testing many communes at once (FDR). Trends "
        "come from each year's hot spots: \"new\" – hot in the final year only; \"consecutive\" – the final years in a "
        "row; \"intensifying\"/\"persistent\"/\"diminishing\" – hot in at least 90% of the years, with rising/steady/"
        "falling intensity; \"sporadic\" – on and off; \"oscillating\" – was a cold spot before; \"historical\" – no "
        "longer hot in the final year. Recorded cases follow patrols: a hot spot is where many cases are found, not "
        "necessarily where most happen.",
    },
    # errors (HotspotError codes)
    "hotspots.bad_period": {
        "vi": "giai đoạn không hợp lệ: năm bắt đầu {year_from} sau năm kết thúc {year_to}.",
        "en": "the period is invalid: the first year {year_from} is after the last year {year_to}.",
    },
    "hotspots.unknown_measure": {
        "vi": "đại lượng '{value}' không hợp lệ; chọn một trong: {allowed}.",
        "en": "'{value}' is not a known measure; choose one of: {allowed}.",
    },
    "hotspots.unknown_form": {
        "vi": "loại hình '{value}' không hợp lệ; chọn một trong: {allowed}.",
        "en": "'{value}' is not a known form; choose one of: {allowed}.",
    },
    "hotspots.unknown_weights": {
        "vi": "cách xác định xã lân cận '{value}' không hợp lệ; chọn một trong: {allowed}.",
        "en": "'{value}' is not a known kind of neighbours; choose one of: {allowed}.",
    },
    "hotspots.bad_band": {
        "vi": "bán kính {value} km không hợp lệ; cần một số km lớn hơn 0.",
        "en": "the distance band {value} km is invalid; it must be more than 0 km.",
    },
    "hotspots.bad_permutations": {
        "vi": "số lần hoán vị {value} không hợp lệ; cần một số nguyên không âm (ví dụ 999).",
        "en": "{value} permutations is invalid; use a whole number of 0 or more (e.g. 999).",
    },
    "hotspots.too_few_communes": {
        "vi": "chỉ có {count} xã để phân tích; cần ít nhất 3 xã.",
        "en": "only {count} communes can be analysed; at least 3 are needed.",
    },
    "hotspots.no_population": {
        "vi": "không tính được tỷ lệ: tệp chỉ số không có cột population (số dân) cho các xã; hãy chọn đại lượng số vụ việc.",
        "en": "rates cannot be computed: the indicators file has no population for the communes; use the number of "
        "cases instead.",
    },
}


# --- allocation (risk/allocate.py) -------------------------------------------
_ALLOCATE: dict[str, dict[str, str]] = {
    "allocate.missing_columns": {
        "vi": "Bảng xã ứng viên thiếu cột: {columns}.",
        "en": "The candidate commune table lacks the column(s): {columns}.",
    },
    "allocate.bad_values": {
        "vi": "Cột {column} thiếu số liệu hoặc không phải số ở các xã: {ids}.",
        "en": "Column {column} is missing or not a number for communes: {ids}.",
    },
    "allocate.bad_objective": {
        "vi": "Mục tiêu không hợp lệ: {value} (chọn một trong: {choices}).",
        "en": "Unknown objective: {value} (choose one of: {choices}).",
    },
    "allocate.negative_risk": {
        "vi": "Điểm nguy cơ hoặc dân số bị âm ở các xã: {ids}.",
        "en": "Risk score or population is negative for communes: {ids}.",
    },
    "allocate.bad_budget": {
        "vi": "Ngân sách phải là một số không âm (nhận được: {value}).",
        "en": "The budget must be a number of zero or more (got: {value}).",
    },
    "allocate.bad_flat_cost": {
        "vi": "Chi phí mỗi chương trình phải là một số không âm (nhận được: {value}).",
        "en": "The cost per programme must be a number of zero or more (got: {value}).",
    },
    "allocate.bad_min_per_district": {
        "vi": "Số chương trình tối thiểu mỗi huyện cũ phải là số nguyên không âm (nhận được: {value}).",
        "en": "The minimum per former district must be a whole number of zero or more (got: {value}).",
    },
    "allocate.bad_max_per_commune": {
        "vi": "Số chương trình tối đa mỗi xã phải là số nguyên từ 1 trở lên (nhận được: {value}).",
        "en": "The maximum per commune must be a whole number of 1 or more (got: {value}).",
    },
    "allocate.no_candidates": {
        "vi": "Không có xã ứng viên nào để phân bổ.",
        "en": "There are no candidate communes to allocate to.",
    },
    "allocate.duplicate_ids": {
        "vi": "Mã xã bị trùng trong bảng ứng viên: {ids}.",
        "en": "Duplicate commune codes in the candidate table: {ids}.",
    },
    "allocate.missing_cost_column": {
        "vi": "Không có cột chi phí \"{column}\" trong số liệu.",
        "en": "There is no cost column \"{column}\" in the data.",
    },
    "allocate.negative_cost": {
        "vi": "Chi phí bị âm ở các xã: {ids}.",
        "en": "Cost is negative for communes: {ids}.",
    },
    "allocate.unknown_ids": {
        "vi": "Không có các mã xã này trong danh sách ứng viên: {ids}.",
        "en": "These commune codes are not among the candidates: {ids}.",
    },
    "allocate.include_and_exclude": {
        "vi": "Các xã vừa bắt buộc chọn vừa bị loại trừ: {ids}.",
        "en": "These communes are both required and excluded: {ids}.",
    },
    "allocate.include_over_budget": {
        "vi": "Riêng các xã bắt buộc chọn đã cần {cost}, vượt ngân sách {budget}.",
        "en": "The required communes alone cost {cost}, more than the budget of {budget}.",
    },
    "allocate.district_too_small": {
        "vi": "Huyện cũ {district} chỉ còn {available} suất có thể chọn, không đủ mức tối thiểu {n} mỗi huyện.",
        "en": "Former district {district} has only {available} possible programme(s), fewer than the minimum of {n} per district.",
    },
    "allocate.district_over_budget": {
        "vi": "Để mỗi huyện cũ có ít nhất {n} chương trình (cùng các xã bắt buộc) cần tối thiểu {cost}, vượt ngân sách {budget}.",
        "en": "At least {n} programme(s) in every former district (with the required communes) costs at least {cost}, more than the budget of {budget}.",
    },
    "allocate.infeasible": {
        "vi": "Không có cách phân bổ nào thỏa mãn đồng thời mọi điều kiện đã đặt.",
        "en": "No allocation meets all the rules set at once.",
    },
    "allocate.solver_failed": {
        "vi": "Bộ giải không tìm được lời giải: {status}",
        "en": "The solver found no solution: {status}",
    },
    "allocate.no_sites": {
        "vi": "Không có vị trí đặt chốt nào để lựa chọn.",
        "en": "There are no candidate base locations.",
    },
    "allocate.missing_site_columns": {
        "vi": "Bảng vị trí đặt chốt thiếu cột: {columns} (cần name, lon, lat).",
        "en": "The base location table lacks the column(s): {columns} (name, lon, lat needed).",
    },
    "allocate.bad_site_coordinates": {
        "vi": "Tọa độ không hợp lệ ở các vị trí: {names}.",
        "en": "Invalid coordinates for locations: {names}.",
    },
    "allocate.bad_commune_coordinates": {
        "vi": "Tọa độ không hợp lệ ở các xã: {names}.",
        "en": "Invalid coordinates for communes: {names}.",
    },
    "allocate.bad_k": {
        "vi": "Số chốt phải là số nguyên từ 1 trở lên (nhận được: {value}).",
        "en": "The number of bases must be a whole number of 1 or more (got: {value}).",
    },
    "allocate.k_too_large": {
        "vi": "Muốn chọn {k} chốt nhưng chỉ có {sites} vị trí ứng viên.",
        "en": "{k} bases were asked for but there are only {sites} candidate locations.",
    },
    "allocate.bad_radius": {
        "vi": "Bán kính phải là một số dương tính bằng km (nhận được: {value}).",
        "en": "The radius must be a positive number of km (got: {value}).",
    },
    "allocate.cli.bad_cost": {
        "vi": "Chỉ dùng một trong hai: --cost-column hoặc --cost.",
        "en": "Give either --cost-column or --cost, not both.",
    },
    "allocate.cli.summary": {
        "vi": "Phân bổ tối ưu: {n} xã, chi phí {cost} / ngân sách {budget}, mục tiêu {objective}",
        "en": "Optimal allocation: {n} communes, cost {cost} of a budget of {budget}, objective {objective}",
    },
    "allocate.cli.greedy": {
        "vi": "Chọn lần lượt theo thứ hạng: {n} xã, chi phí {cost}, mục tiêu {objective}",
        "en": "Down the ranking: {n} communes, cost {cost}, objective {objective}",
    },
    "allocate.cli.gap": {
        "vi": "Chênh lệch: +{gap} ({share})",
        "en": "Gain: +{gap} ({share})",
    },
}

# --- exports (risk/export.py, risk/render.py) --------------------------------
_EXPORT: dict[str, dict[str, str]] = {
    "export.sheet.table": {"vi": "Danh sách", "en": "List"},
    "export.meta.key": {"vi": "Mục", "en": "Item"},
    "export.meta.value": {"vi": "Nội dung", "en": "Value"},
    "export.meta.title": {"vi": "Tiêu đề", "en": "Title"},
    "export.meta.dataset": {"vi": "Bộ dữ liệu", "en": "Dataset"},
    "export.meta.data_version": {"vi": "Phiên bản dữ liệu", "en": "Data version"},
    "export.meta.date": {"vi": "Ngày xuất (UTC)", "en": "Exported (UTC)"},
    "export.meta.user": {"vi": "Người xuất", "en": "Exported by"},
    "export.meta.rows": {"vi": "Số dòng", "en": "Rows"},
    "export.meta.filters": {"vi": "Bộ lọc", "en": "Filters"},
    "export.meta.filter": {"vi": "Lọc", "en": "Filter"},
    "export.meta.no_filters": {"vi": "không lọc", "en": "none"},
    "export.meta.method": {"vi": "Phương pháp", "en": "Method"},
    "export.meta.note": {"vi": "Lưu ý", "en": "Note"},
    "export.pdf.table": {"vi": "Danh sách xã/phường", "en": "Communes"},
    "export.pdf.truncated": {
        "vi": "Chỉ in {n} dòng đầu trong tổng số {total} dòng; xem đủ danh sách trong tệp Excel/CSV.",
        "en": "Only the first {n} of {total} rows are printed; the Excel/CSV file holds the full list.",
    },
    "export.pdf.map_caption": {
        "vi": "Màu càng đậm, mức ưu tiên càng cao; viền đen: {n} xã đầu danh sách; xám: không có trong danh sách; "
        "đường tím: biên giới quốc gia.",
        "en": "Darker means higher priority; black outline: the first {n} communes of the list; grey: not in the "
        "list; purple line: the international border.",
    },
    "export.col.rank": {"vi": "Hạng", "en": "Rank"},
    "export.col.rank_low": {"vi": "Hạng thấp (90%)", "en": "Rank low (90%)"},
    "export.col.rank_high": {"vi": "Hạng cao (90%)", "en": "Rank high (90%)"},
    "export.col.commune_id": {"vi": "Mã xã", "en": "Commune code"},
    "export.col.name": {"vi": "Tên xã/phường", "en": "Commune"},
    "export.col.former_district": {"vi": "Huyện cũ", "en": "Former district"},
    "export.col.score": {"vi": "Điểm nguy cơ", "en": "Risk score"},
    "export.col.drivers": {"vi": "Yếu tố chính", "en": "Main drivers"},
    "export.col.cases_3y": {"vi": "Số vụ việc {first}–{last}", "en": "Cases {first}–{last}"},
    "export.col.hotspot": {"vi": "Điểm nóng", "en": "Hotspot"},
    "export.col.dist_border_km": {"vi": "Cách biên giới (km)", "en": "To the border (km)"},
    "export.cli.title": {
        "vi": "Danh sách xã ưu tiên phòng, chống mua bán người – năm {year}",
        "en": "Priority communes for trafficking prevention – {year}",
    },
    "export.cli.method": {
        "vi": "Điểm nguy cơ: xác suất xã có ít nhất một vụ việc được ghi nhận trong năm {next}, ước lượng bằng mô hình "
        "{model} học trên các năm trước (chỉ số kinh tế – xã hội, khoảng cách tới biên giới và cửa khẩu, số vụ "
        "của xã và các xã lân cận). Hạng 1 là nguy cơ cao nhất; khoảng hạng 90% từ {bootstrap} lần lấy mẫu lại "
        "(bootstrap). Yếu tố chính: ba đóng góp lớn nhất vào điểm (dương = làm tăng nguy cơ). Số vụ việc là tổng "
        "số vụ được ghi nhận {first}–{last} theo xã, không có dữ liệu từng vụ; số nhỏ hơn {k} được ẩn (\"<{k}\") "
        "với quyền {role}. Vụ việc được ghi nhận phụ thuộc vào nơi có tuần tra: điểm là công cụ hỗ trợ, không "
        "thay thế nhận định của cán bộ địa phương.",
        "en": "Risk score: the probability that the commune has at least one recorded case in {next}, estimated by a "
        "{model} model trained on earlier years (socio-economic indicators, distance to the border and to border "
        "gates, recorded cases in the commune and its neighbours). Rank 1 is the highest risk; the 90% rank "
        "interval comes from {bootstrap} bootstrap refits. Main drivers: the three largest contributions to the "
        "score (positive = raises the risk). Cases are recorded cases per commune summed over {first}–{last}, no "
        "case-level data; counts below {k} are hidden (\"<{k}\") for the {role} role. Recorded cases follow where "
        "patrols are: the score supports, and does not replace, local officers' judgement.",
    },
    "export.cli.bad_year": {
        "vi": "Năm {year} không có trong bộ dữ liệu (có các năm {first}–{last}).",
        "en": "Year {year} is not in the dataset (it has {first}–{last}).",
    },
    "export.cli.write_error": {"vi": "Không ghi được tệp {path}: {error}", "en": "Could not write {path}: {error}"},
    "export.cli.audit_error": {
        "vi": "Không ghi được nhật ký xuất dữ liệu vào {path}: {error}. Tệp chưa được tạo.",
        "en": "Could not write the export to the audit log at {path}: {error}. No file was written.",
    },
    "export.cli.written": {"vi": "Đã ghi {rows} dòng vào {path} ({fmt}).", "en": "Wrote {rows} rows to {path} ({fmt})."},
}

# --- priorities page (pages/priorities.py) -----------------------------------
_PRIORITIES: dict[str, dict[str, str]] = {
    "page.priorities": {"vi": "Ưu tiên", "en": "Priorities"},
    "pr.intro": {
        "vi": "Danh sách xã ưu tiên theo điểm nguy cơ, lọc theo địa bàn, phân bổ ngân sách cho chương trình và bố trí điểm tuần tra; xuất ra tệp để gửi đi.",
        "en": "Priority communes by risk, filtered by area; a budgeted programme allocation and patrol bases; exported to files you can send.",
    },
    "pr.ranking": {"vi": "Xếp hạng theo", "en": "Rank by"},
    "pr.ranking.model": {"vi": "Điểm mô hình", "en": "Model score"},
    "pr.ranking.composite": {"vi": "Chỉ số tổng hợp", "en": "Composite index"},
    "pr.filters": {"vi": "Bộ lọc", "en": "Filters"},
    "pr.districts": {"vi": "Huyện cũ", "en": "Former districts"},
    "pr.max_border": {"vi": "Cách biên giới tối đa (km; 0 = không lọc)", "en": "Distance to the border at most (km; 0 = no filter)"},
    "pr.min_population": {"vi": "Dân số tối thiểu", "en": "Minimum population"},
    "pr.thresholds": {"vi": "Ngưỡng chỉ số (≥)", "en": "Indicator thresholds (≥)"},
    "pr.count": {"vi": "{shown} / {total} xã", "en": "{shown} of {total} communes"},
    "pr.selection_hint": {
        "vi": "Chọn dòng trong bảng hoặc bấm vào xã trên bản đồ: các xã được chọn được viền đậm ở cả hai nơi.",
        "en": "Select rows in the table or click communes on the map: the selection is outlined in both.",
    },
    "pr.clear_selection": {"vi": "Bỏ chọn", "en": "Clear selection"},
    "pr.selected": {"vi": "Đã chọn", "en": "Selected"},
    "pr.col.rank": {"vi": "Hạng", "en": "Rank"},
    "pr.col.interval": {"vi": "Khoảng hạng 90%", "en": "90% rank interval"},
    "pr.col.score": {"vi": "Điểm", "en": "Score"},
    "pr.col.drivers": {"vi": "Lý do chính", "en": "Main reasons"},
    "pr.col.cases_3y": {"vi": "Vụ việc 3 năm gần nhất", "en": "Cases, last 3 years"},
    "pr.col.hotspot": {"vi": "Điểm nóng", "en": "Hotspot"},
    "pr.col.dist_border": {"vi": "Cách biên giới (km)", "en": "To the border (km)"},
    "pr.col.population": {"vi": "Dân số", "en": "Population"},
    "pr.export": {"vi": "Xuất danh sách", "en": "Export the list"},
    "pr.alloc": {"vi": "Phân bổ chương trình theo ngân sách", "en": "Budgeted programme allocation"},
    "pr.alloc_help": {
        "vi": "Chọn các xã (trong danh sách đã lọc) để tổng nguy cơ được giải quyết là lớn nhất trong phạm vi ngân sách; giải chính xác bằng quy hoạch nguyên (HiGHS) và so với cách lấy lần lượt từ đầu bảng xếp hạng.",
        "en": "Choose communes (from the filtered list) so the risk addressed is largest within the budget; solved exactly as an integer program (HiGHS) and compared with taking the ranking from the top.",
    },
    "pr.budget": {"vi": "Ngân sách", "en": "Budget"},
    "pr.cost_mode": {"vi": "Chi phí mỗi chương trình", "en": "Cost per programme"},
    "pr.cost_mode.flat": {"vi": "Như nhau", "en": "Flat"},
    "pr.cost_mode.column": {"vi": "Theo cột dữ liệu", "en": "From a data column"},
    "pr.cost": {"vi": "Chi phí", "en": "Cost"},
    "pr.cost_column": {"vi": "Cột chi phí", "en": "Cost column"},
    "pr.objective": {"vi": "Mục tiêu", "en": "Objective"},
    "pr.objective.score_x_population": {"vi": "Nguy cơ × dân số được tiếp cận", "en": "Risk × population reached"},
    "pr.objective.score": {"vi": "Chỉ theo điểm nguy cơ", "en": "Risk score only"},
    "pr.min_per_district": {"vi": "Tối thiểu mỗi huyện cũ", "en": "At least per former district"},
    "pr.include": {"vi": "Bắt buộc chọn", "en": "Must include"},
    "pr.exclude": {"vi": "Loại trừ", "en": "Must exclude"},
    "pr.run_alloc": {"vi": "Tính phân bổ", "en": "Allocate"},
    "pr.alloc_cost": {"vi": "Tổng chi phí", "en": "Total cost"},
    "pr.alloc_objective": {"vi": "Nguy cơ được giải quyết", "en": "Risk addressed"},
    "pr.alloc_greedy": {"vi": "Theo thứ tự xếp hạng", "en": "Taking the ranking from the top"},
    "pr.alloc_gain": {"vi": "Hơn cách lấy từ đầu bảng", "en": "Gain over the ranking"},
    "pr.alloc_why": {
        "vi": "Cách lấy từ đầu bảng chỉ nhìn điểm nguy cơ; phương án tối ưu còn tính đến dân số được tiếp cận và chi phí, nên giải quyết được nhiều nguy cơ hơn với cùng ngân sách.",
        "en": "Taking the ranking from the top looks at the score only; the optimal plan also weighs the population reached and the cost, so it addresses more risk for the same budget.",
    },
    "pr.alloc_chosen": {"vi": "{n} xã được chọn", "en": "{n} communes chosen"},
    "pr.coverage": {"vi": "Bố trí điểm tuần tra", "en": "Patrol coverage"},
    "pr.coverage_help": {
        "vi": "Chọn K điểm đặt lực lượng để tổng nguy cơ của các xã trong bán kính R km là lớn nhất (bài toán phủ tối đa, giải chính xác). Khoảng cách là đường chim bay, không phải đường bộ.",
        "en": "Choose K bases so the risk of communes within R km is largest (maximal covering, solved exactly). Distances are straight-line, not by road.",
    },
    "pr.k": {"vi": "Số điểm (K)", "en": "Bases (K)"},
    "pr.radius": {"vi": "Bán kính (km)", "en": "Radius (km)"},
    "pr.sites": {"vi": "Vị trí có thể đặt", "en": "Candidate sites"},
    "pr.sites.communes": {"vi": "Trung tâm xã", "en": "Commune centres"},
    "pr.sites.gates": {"vi": "Cửa khẩu", "en": "Border gates"},
    "pr.sites.upload": {"vi": "Tải lên (CSV: name, lon, lat)", "en": "Upload (CSV: name, lon, lat)"},
    "pr.sites_file": {"vi": "Tệp điểm", "en": "Points file"},
    "pr.sites_demo": {
        "vi": "Ở chế độ xem thử không tải tệp lên được; hãy đăng nhập để dùng điểm của riêng bạn.",
        "en": "Files cannot be uploaded in demo mode; sign in to use your own points.",
    },
    "pr.sites_bad": {"vi": "Tệp điểm cần các cột name, lon, lat.", "en": "The points file needs the columns name, lon, lat."},
    "pr.run_cover": {"vi": "Tính bố trí", "en": "Place bases"},
    "pr.covered_share": {"vi": "Tỷ lệ nguy cơ được phủ", "en": "Share of risk covered"},
    "pr.greedy_share": {"vi": "Cách chọn lần lượt (tham lam)", "en": "Greedy, one base at a time"},
    "pr.bases": {"vi": "Điểm đặt", "en": "Bases"},
    "pr.show_on_map": {"vi": "Hiện trên bản đồ", "en": "Show on the map"},
    "pr.show.selection": {"vi": "Xã đang chọn", "en": "Selected communes"},
    "pr.show.allocation": {"vi": "Kết quả phân bổ", "en": "Allocation"},
    "pr.show.coverage": {"vi": "Điểm tuần tra", "en": "Patrol bases"},
    "pr.export_what": {"vi": "Nội dung", "en": "What"},
    "pr.export_what.list": {"vi": "Danh sách ưu tiên (đã lọc)", "en": "Priority list (filtered)"},
    "pr.export_what.allocation": {"vi": "Kết quả phân bổ", "en": "Allocation"},
    "pr.export_format": {"vi": "Định dạng", "en": "Format"},
    "pr.export_prepare": {"vi": "Tạo tệp", "en": "Make the file"},
    "pr.export_download": {"vi": "Tải xuống {name}", "en": "Download {name}"},
    "pr.export_logged": {"vi": "Đã ghi vào nhật ký: {rows} dòng, {fmt}.", "en": "Written to the audit log: {rows} rows, {fmt}."},
    "pr.export_title.list": {"vi": "Danh sách xã ưu tiên năm {year}", "en": "Priority communes, {year}"},
    "pr.export_title.allocation": {"vi": "Phân bổ chương trình năm {year}", "en": "Programme allocation, {year}"},
    "pr.method.model": {
        "vi": "Xếp hạng theo xác suất có ít nhất một vụ việc được ghi nhận năm {next_year} (hồi quy logistic, kiểm định theo thời gian; xem trang Mô hình). Khoảng hạng 90% từ bootstrap.",
        "en": "Ranked by the probability of at least one recorded case in {next_year} (logistic regression, temporally backtested; see the Model page). 90% rank intervals from the bootstrap.",
    },
    "pr.method.composite": {
        "vi": "Xếp hạng theo chỉ số tổng hợp 0–100 của các chỉ số đã chuẩn hóa, với trọng số do người lập kế hoạch chọn.",
        "en": "Ranked by a 0–100 composite of normalised indicators, with weights chosen by the planner.",
    },
    "pr.method.allocation": {
        "vi": " Phân bổ: ngân sách {budget}, chi phí {cost}, mục tiêu {objective}; giải chính xác bằng quy hoạch nguyên (HiGHS).",
        "en": " Allocation: budget {budget}, cost {cost}, objective {objective}; solved exactly as an integer program (HiGHS).",
    },
    "pr.demo_note": {"vi": "DỮ LIỆU MINH HỌA, do máy tạo ra, không phải số liệu thật.", "en": "DEMO DATA: generated, not real figures."},
}

CATALOG: dict[str, dict[str, str]] = {
    **_UI, **_IO, **_MODEL, **_COMPOSITE, **_STORE, **_ACCOUNTS, **_MODEL_PAGE, **_DATA_PAGE, **_HOTSPOTS,
    **_ALLOCATE, **_EXPORT, **_PRIORITIES,
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, /, **params: object) -> str:
    """Translate `key` into `lang`, filling `{placeholders}` from params.

    An unknown key raises KeyError: a missing string is a bug to catch in tests.
    """
    entry = CATALOG[key]
    text = entry.get(lang) or entry[DEFAULT_LANGUAGE]
    return text.format(**params) if params else text


def placeholders(text: str) -> set[str]:
    """Names of the `{placeholders}` in a template (used by the catalogue test)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class LocalisedError(Exception):
    """An error whose text lives in the catalogue: `code` is an i18n key, `params` fill it.

    The engine raises these; pages and the CLI render `message(lang)` in the
    user's language, so no traceback or English-only text reaches a user.
    """

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        super().__init__(code, params)

    def message(self, lang: str = DEFAULT_LANGUAGE) -> str:
        return t(self.code, lang, **self.params)

    def __str__(self) -> str:
        return self.message("en")

    def __reduce__(self):  # keyword parameters survive pickling (caches, subprocesses)
        return (_rebuild_error, (type(self), self.code, self.params))


def _rebuild_error(cls: type, code: str, params: dict) -> LocalisedError:
    return cls(code, **params)
