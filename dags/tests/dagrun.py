"""Runs the DAG with the real Airflow (`dag.test()`) and reads back what happened."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from airflow.utils.session import create_session

NOT_GIVEN: Any = object()


def run_dag(dag, *, logical_date: datetime | None = NOT_GIVEN, run_after: datetime | None = None, conf: dict | None = None):
    """One DAG run through the real scheduler loop of `dag.test()`; returns the DagRun.

    `logical_date=None` is a manual run without a logical date (Airflow 3's
    default for UI triggers): it then has no data interval, only `run_after`.
    With a logical date, `dag.test()` gives the run the data interval the
    timetable gives a run due at that instant.
    """
    kwargs: dict[str, Any] = {"run_after": run_after, "run_conf": conf}
    if logical_date is not NOT_GIVEN:
        kwargs["logical_date"] = logical_date
    return dag.test(**kwargs)


def task_states(dag_run) -> dict[str, tuple[str, int]]:
    """task_id -> (state, try_number) of the run's task instances."""
    from airflow.models.taskinstance import TaskInstance

    with create_session() as session:
        tis = session.query(TaskInstance).filter(TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id)
        return {ti.task_id: (str(ti.state.value if hasattr(ti.state, "value") else ti.state), ti.try_number) for ti in tis}


def rendered_fields(dag_run) -> dict[str, dict]:
    """task_id -> the rendered templated fields Airflow stored (what the UI's "Rendered Template" shows)."""
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as RTIF

    with create_session() as session:
        rows = session.query(RTIF).filter(RTIF.dag_id == dag_run.dag_id, RTIF.run_id == dag_run.run_id)
        return {row.task_id: dict(row.rendered_fields) for row in rows}


def xcom_value(dag_run, task_id: str) -> Any:
    from airflow.models.xcom import XComModel

    with create_session() as session:
        row = (
            session.query(XComModel)
            .filter(XComModel.dag_id == dag_run.dag_id, XComModel.run_id == dag_run.run_id, XComModel.task_id == task_id)
            .filter(XComModel.key == "return_value")
            .one_or_none()
        )
        return None if row is None else row.value
