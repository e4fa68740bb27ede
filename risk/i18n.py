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
_MODEL: dict[str, dict[str, str]] = {}

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
_STORE: dict[str, dict[str, str]] = {}

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
    "auth.invalid": {"vi": "Sai tên đăng nhập hoặc mật khẩu.", "en": "Wrong user name or password."},
    "auth.locked": {
        "vi": "Tài khoản tạm khóa do nhập sai nhiều lần, đến {until} (UTC).",
        "en": "The account is locked after repeated failures, until {until} (UTC).",
    },
    "auth.disabled": {"vi": "Tài khoản đã bị vô hiệu hóa.", "en": "The account is disabled."},
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
    "auth.demo_user": {"vi": "khách xem thử", "en": "demo visitor"},
    "role.admin": {"vi": "Quản trị", "en": "Administrator"},
    "role.commander": {"vi": "Chỉ huy (Biên phòng/Công an)", "en": "Commander (border guard/police)"},
    "role.planner": {"vi": "Cán bộ kế hoạch", "en": "Planner"},
    "role.official": {"vi": "Cán bộ lãnh đạo, quản lý", "en": "Official"},
    "accounts.first_admin": {
        "vi": "Đã tạo tài khoản quản trị đầu tiên. Tên đăng nhập: admin  Mật khẩu: {password}  (chỉ hiện một lần; hãy đổi và cất giữ cẩn thận)",
        "en": "First administrator account created. User name: admin  Password: {password}  (shown once only; change it and keep it safe)",
    },
}

CATALOG: dict[str, dict[str, str]] = {**_UI, **_IO, **_MODEL, **_COMPOSITE, **_STORE, **_ACCOUNTS}


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
