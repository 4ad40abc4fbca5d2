"""The DAG as Airflow parses it: no import errors, the promised settings, tasks
and containers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from airflow.providers.docker.operators.docker import DockerOperator
from airflow.timetables.trigger import CronTriggerTimetable

import stock_market_data_pipeline as dag_module
from conftest import DAG_ID, DAGS, FAKE_SECRETS, load_dag


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags[DAG_ID]


def test_the_dag_folder_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.dag_ids == [DAG_ID]
    # The helper modules and the tests are not parsed as DAG files.
    assert {stat.file for stat in dagbag.dagbag_stats} == {"/stock_market_data_pipeline.py"}


def test_the_dag_states_its_scheduling_explicitly(dag):
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.serialize() == {
        "expression": "0 6 * * 1-5",  # Monday to Friday, 06:00
        "timezone": "America/New_York",
        "interval": 0.0,  # the data interval is the trigger instant
        "run_immediately": False,  # unpausing does not start a run for a missed slot
    }
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert dag.is_paused_upon_creation is True
    assert dag.start_date.year == 2025


def test_tags_docs_and_retries(dag):
    assert set(dag.tags) >= {"stock-market", "polygon", "mongodb"}
    assert dag.doc_md == dag_module.__doc__ and "Manual runs" in dag.doc_md
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff
        assert task.retry_delay == timedelta(minutes=5)
        assert task.max_retry_delay == timedelta(minutes=45)
        assert task.execution_timeout == timedelta(hours=4)


def test_tasks_and_their_order(dag):
    assert sorted(dag.task_ids) == ["check", "extract", "load"]
    assert dag.task_dict["extract"].downstream_task_ids == {"load"}
    assert dag.task_dict["load"].downstream_task_ids == {"check"}
    assert dag.task_dict["check"].downstream_task_ids == set()
    assert dag.task_dict["load"].trigger_rule == "none_failed"  # runs after a skipped extract (reprocess)
    assert dag.task_dict["check"].trigger_rule == "all_success"


def test_every_task_is_one_pipeline_container(dag):
    for task in dag.tasks:
        assert isinstance(task, DockerOperator)
        assert task.image == "stock-pipeline:latest"
        assert task.entrypoint is None  # the image's own entrypoint: stock-pipeline
        assert task.command == "{{ stock_pipeline_command('" + task.task_id + "', params, dag_run) }}"
        assert task.mount_tmp_dir is False
        assert task.auto_remove == "success"
        assert task.force_pull is False
        assert task.network_mode == "stock-pipeline"
        assert task.docker_url == "unix://var/run/docker.sock"
        assert task._private_environment == {}  # filled when the task runs, never at parse time


def test_image_network_docker_and_config_come_from_the_airflow_environment(monkeypatch):
    dag = load_dag(
        monkeypatch,
        PIPELINE_IMAGE="registry.example.com/stock-pipeline:1.2.3",
        PIPELINE_DOCKER_NETWORK="other-net",
        PIPELINE_DOCKER_URL="tcp://docker-proxy:2375",
        PIPELINE_GCP_CREDENTIALS_FILE="/srv/keys/lake.json",
        LAKE_URI="gs://bucket/lake",
        TICKERS="AAPL,MSFT",
        POLYGON_API_KEY=FAKE_SECRETS["POLYGON_API_KEY"],
        MONGODB_URI=FAKE_SECRETS["MONGODB_URI"],
    )
    task = dag.task_dict["extract"]
    assert task.image == "registry.example.com/stock-pipeline:1.2.3"
    assert task.network_mode == "other-net"
    assert task.docker_url == "tcp://docker-proxy:2375"
    assert task.environment == {
        "LAKE_URI": "gs://bucket/lake",
        "TICKERS": "AAPL,MSFT",
        "GOOGLE_APPLICATION_CREDENTIALS": "/run/secrets/gcp-credentials.json",
    }
    assert [(m["Source"], m["Target"], m["ReadOnly"]) for m in task.mounts] == [
        ("/srv/keys/lake.json", "/run/secrets/gcp-credentials.json", True)
    ]


def test_no_secret_is_in_the_dag_files_or_a_templated_field_at_parse_time(monkeypatch):
    dag = load_dag(monkeypatch, **FAKE_SECRETS)
    for task in dag.tasks:
        for field in task.template_fields:
            text = repr(getattr(task, field))
            assert not any(secret in text for secret in FAKE_SECRETS.values()), f"{task.task_id}.{field}"
    for path in [*DAGS.glob("*.py"), DAGS / ".airflowignore"]:
        text = path.read_text()
        assert not re.search(r"mongodb(\+srv)?://[^\s\"']*:[^\s\"']*@", text), f"a MongoDB URI with a password in {path}"
        assert not re.search(r"(API_KEY|apiKey|api_key)\s*[:=]\s*[\"'][^\"']+", text), f"an API key in {path}"
