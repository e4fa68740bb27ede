"""The margins bench builds a demo at another seed and prints each margin with its interval."""
from bench.backtest_margins import main


def test_one_seed_prints_its_margins_and_the_median(capsys):
    main(["--seeds", "3"])
    out = capsys.readouterr().out
    assert out.count("model - ") == 20 and "median over seeds" in out  # 4 rules x 5 metrics
    assert out.count("brier") >= 8  # in the header and in the median lines
    assert "[" in out.splitlines()[1] and "ng " in out.splitlines()[1]
