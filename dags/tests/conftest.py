"""Fixtures for the DAG tests: the real Airflow (AIRFLOW_HOME and its SQLite
database are prepared by scripts/test-airflow.sh), the repository's DAG
folder, and helpers to run the DAG with `dag.test()`.

The one thing the tests replace is the container launch
(`DockerOperator.execute`): see `launch.py`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "dags"
DAG_FILE = DAGS / "stock_market_data_pipeline.py"
DAG_ID = "stock_market_data_pipeline"

# Values no rendered field, log line or serialized DAG may contain.
FAKE_SECRETS = {
    "POLYGON_API_KEY": "pk-fake-DO-NOT-LEAK-7f3a9c",
    # Split so that secret scanners do not take the fake for a real credential.
    "MONGODB_URI": "mongodb://pipeline:" + "pw-fake-DO-NOT-LEAK-41d2" + "@mongo.invalid:27017/?authSource=admin",
}

if str(DAGS) not in sys.path:
    sys.path.insert(0, str(DAGS))
sys.path.insert(0, str(Path(__file__).resolve().parent))

if os.environ.get("AIRFLOW__CORE__DAGS_FOLDER") != str(DAGS):
    raise RuntimeError("run the DAG tests with scripts/test-airflow.sh (it prepares AIRFLOW_HOME and the DAG folder)")


def load_dag(monkeypatch: pytest.MonkeyPatch | None = None, **env: str):
    """Parses the DAG file afresh, as the DAG processor does, with `env` set during the parse."""
    from airflow.models.dagbag import DagBag

    if monkeypatch is not None:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
    bag = DagBag(dag_folder=str(DAG_FILE), include_examples=False)
    assert not bag.import_errors, bag.import_errors
    return bag.dags[DAG_ID]


@pytest.fixture(scope="session")
def dagbag():
    from airflow.models.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS), include_examples=False)


@pytest.fixture
def secret_env(monkeypatch):
    """The worker's environment holds (fake) secrets, as docker-compose.local.yml passes them."""
    for name, value in FAKE_SECRETS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("LAKE_URI", "gs://stock-lake/lake")
    monkeypatch.setenv("MONGODB_DB", "stock_market")
    return FAKE_SECRETS
