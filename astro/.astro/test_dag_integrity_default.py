"""DAG integrity test, run by `astro dev parse` / `astro dev pytest` inside the
Astro Runtime image and by scripts/test-airflow.sh on this repository's real
Airflow: every file of the DAG folder imports without errors, and every DAG
states its tags and retries. (Our DAG reads no Variable or Connection while it
is parsed, so unlike Astro's generated template this needs no mocks.)
"""

import os

import pytest
from airflow.models.dagbag import DagBag

BAG = DagBag(include_examples=False)


def _rel(path):
    return os.path.relpath(path, os.environ.get("AIRFLOW__CORE__DAGS_FOLDER") or os.environ.get("AIRFLOW_HOME") or ".")


def test_the_dag_folder_imports_without_errors_and_holds_dags():
    assert not BAG.import_errors, "\n".join(f"{_rel(path)}: {error}" for path, error in BAG.import_errors.items())
    assert BAG.dag_ids, f"no DAG found in {BAG.dag_folder}"


@pytest.mark.parametrize("dag_id", sorted(BAG.dag_ids))
def test_every_dag_has_tags_and_retries(dag_id):
    dag = BAG.dags[dag_id]
    assert dag.tags, f"{dag_id} has no tags"
    assert all(task.retries >= 2 for task in dag.tasks), f"{dag_id}: every task needs retries >= 2"
