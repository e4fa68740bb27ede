"""The cold-start bench prints a row per entry point with both timings and the heavy libraries
loaded (figures are printed, never asserted)."""
from bench.cold_start import HEAVY, main


def test_the_cli_row_prints_both_timings_and_what_it_loaded(capsys):
    main(["--runs", "1", "--only", "1"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert "naive" in lines[1]
    row = lines[2]
    assert row.startswith("python -m risk --help")
    ours, naive, *loaded = row[len("python -m risk --help"):].split(maxsplit=2)
    float(ours), float(naive)
    assert loaded and all(name.strip(",") in HEAVY or name == "none" for name in loaded[0].split())
