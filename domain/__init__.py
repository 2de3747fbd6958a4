"""chibo's command side: aggregates, their events, commands, policy and the Application.

Pure: imports nothing from temporalio, psycopg, FastAPI or chibo's other packages.
"""
