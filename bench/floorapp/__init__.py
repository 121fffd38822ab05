"""The floor: the cheapest Django view that takes a survey-sized POST and stores it.

Installed only by bench.settings_bench. The submission benchmark compares the real survey
flow with this view, on the same server, settings and database, in the same run.
"""
