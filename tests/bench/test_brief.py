"""The brief bench prints one row per scale with both timings (figures are printed, never asserted)."""
from bench.brief import main


def test_one_small_scale_prints_its_row(capsys):
    main(["--scales", "40"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert "fpdf table()" in lines[0]
    assert lines[1].split()[0] == "40" and len(lines[1].split()) == 4
