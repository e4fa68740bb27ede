"""The kept-analyses bench prints one row per scale: two exports and the in-process read back (never asserted on time)."""
from bench.results_cache import main


def test_the_demo_scale_prints_its_row(capsys):
    main(["--scales", "130"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert "2nd run s" in lines[0]
    cells = lines[1].replace("|", " ").split()
    assert cells[0] == "130" and len(cells) == 6 and cells[3].endswith("x")
