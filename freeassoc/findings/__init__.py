"""The findings: the essay's indicators computed from survey answers, safely publishable.

    indicators/*.yaml  the indicators, comparisons and breakdowns, as declarative expressions
    definitions.py     loads and checks those files; compiles expressions to polars
    frame.py           answers (from the database, or JSON, or dicts) to a polars frame
    engine.py          counts, bases, breakdowns and comparisons: the raw Report
    stats.py           Wilson intervals, chi-square and Fisher's exact tests, median bands
    disclosure.py      statistical disclosure control: the only way figures are published
    reports.py         a survey's published findings, as data or CSV
    synthetic.py       the demo data set that reproduces the essay's figures (made up)

The app has no models: it reads surveys.Response and writes nothing.
"""
