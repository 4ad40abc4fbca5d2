"""The DAG against the other parts of the repository: the CLI it calls, the
configuration schema it feeds, the image the Dagger module builds, the Astro
project and the local compose stack."""

from __future__ import annotations

import os
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
import yaml

from pipeline_cli import MODES, TASKS, RunPlan, cli_args
from pipeline_container import DEFAULT_IMAGE, FORWARDED_CONFIG, ORCHESTRATION_VARS, SECRET_CONFIG, container_settings

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "pipeline" / "bin" / "stock-pipeline.js"
CONFIG_TS = REPO / "pipeline" / "src" / "config.server.ts"
COMPOSE = REPO / "docker-compose.local.yml"
ASTRO = REPO / "astro"
AIRFLOW_SERVICES = ("scheduler", "dag-processor", "api-server", "triggerer")  # Astro's Airflow 3 service names


def every_command_the_dag_can_run() -> list[list[str]]:
    plans = [
        RunPlan("daily", date="2025-01-03", tickers="AAPL", overwrite_manual=True),
        RunPlan("daily", as_of="2025-01-06T11:00:00Z", tickers="AAPL", overwrite_manual=True),
        RunPlan("backfill", start="2025-01-02", end="2025-01-31", tickers="AAPL", overwrite_manual=True, refetch=True),
        RunPlan("reprocess", start="2025-01-02", end="2025-01-31", tickers="AAPL", overwrite_manual=True),
    ]
    assert {plan.mode for plan in plans} == set(MODES)
    assert {plan.as_of is None for plan in plans} == {True, False}
    return [args for plan in plans for task in TASKS if (args := cli_args(task, plan))]


@cache
def cli_help(command: str) -> str:
    out = subprocess.run(["node", str(CLI), command, "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode == 0, f"stock-pipeline {command} --help: {out.stderr}"
    return out.stdout


def test_every_cli_command_and_flag_the_dag_uses_exists():
    for args in every_command_the_dag_can_run():
        command, flags = args[0], [a for a in args[1:] if a.startswith("--")]
        help_text = cli_help(command)
        assert f"stock-pipeline {command}" in help_text, f"{command} is not a stock-pipeline command"
        for flag in flags:
            assert re.search(rf"(^|\s){re.escape(flag)}\b", help_text), f"stock-pipeline {command} has no {flag}"


def test_the_cli_parses_each_argument_list_the_dag_builds():
    # The CLI parses its arguments (strict: unknown ones are refused) before it reads its
    # configuration; an invalid MONGODB_URI then stops it before any I/O.
    env = {"PATH": os.environ["PATH"], "MONGODB_URI": "not-a-uri"}
    for args in [*every_command_the_dag_can_run(), ["load", "--date", "2025-01-03", "--bogus-flag"]]:
        out = subprocess.run(["node", str(CLI), *args], capture_output=True, text=True, timeout=60, env=env, check=False)
        parsed = "Invalid configuration" in out.stderr and "MONGODB_URI" in out.stderr
        if "--bogus-flag" in args:  # the check itself can tell a refused argument
            assert not parsed and out.returncode == 2 and "Unknown argument" in out.stderr, out.stderr
        else:
            assert parsed and out.returncode == 2, (args, out.stderr)


@cache
def config_variables() -> frozenset[str]:
    """The variables pipeline/src/config.server.ts knows: its zod schema's keys and the *_FILE secrets."""
    source = CONFIG_TS.read_text()
    schema = re.search(r"const envSchema = z\.object\(\{(.*?)\n\}\);", source, re.S)
    assert schema, "envSchema not found in config.server.ts"
    names = set(re.findall(r"^\s{2}([A-Z][A-Z0-9_]*):", schema.group(1), re.M))
    files = re.search(r"for \(const name of \[([^\]]*)\]\)", source)
    assert files, "the *_FILE secrets loop not found in config.server.ts"
    names |= {f"{n}_FILE" for n in re.findall(r'"([A-Z0-9_]+)"', files.group(1))}
    assert {"POLYGON_API_KEY", "MONGODB_URI", "LAKE_URI", "POLYGON_API_KEY_FILE"} <= names
    return frozenset(names)


def env_example() -> dict[str, str]:
    pairs = {}
    for line in (REPO / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_every_variable_the_dag_passes_to_the_cli_is_in_its_config_schema():
    passed = set(FORWARDED_CONFIG) | set(SECRET_CONFIG) | {"GOOGLE_APPLICATION_CREDENTIALS"}
    assert passed <= config_variables(), passed - config_variables()
    settings = container_settings({name: "x" for name in passed} | {"PIPELINE_GCP_CREDENTIALS_FILE": "/k.json"})
    assert set(settings["environment"]) <= config_variables()


def test_every_variable_the_compose_file_and_env_example_pass_is_known():
    known = config_variables() | set(ORCHESTRATION_VARS)
    unknown = set(env_example()) - known
    assert not unknown, f".env.example names variables neither the CLI nor the DAG knows: {unknown}"
    for name in AIRFLOW_SERVICES:
        service = compose()["services"][name]
        assert service["env_file"] == ["../.env"], name
        extra = {v for v in service.get("environment", {}) if not v.startswith("AIRFLOW__")}
        assert extra <= known, f"{name} passes unknown variables: {extra - known}"


def test_the_compose_file_and_env_example_hold_no_secret():
    example = env_example()
    assert example["POLYGON_API_KEY"] == ""
    assert not re.search(r"://[^/\s:@]+:[^/\s@]+@", example["MONGODB_URI"]), "a password in .env.example"
    text = COMPOSE.read_text()
    assert "POLYGON_API_KEY" not in text and "MONGODB_URI" not in text


def test_only_the_scheduler_that_runs_the_tasks_gets_the_docker_socket_and_all_read_the_repository_dags():
    services = compose()["services"]
    socket = "/var/run/docker.sock:/var/run/docker.sock"
    for name in AIRFLOW_SERVICES:
        volumes = services[name]["volumes"]
        assert "../dags:/usr/local/airflow/dags:z" in volumes, name
        assert (socket in volumes) == (name == "scheduler"), name
        assert services[name]["environment"]["PIPELINE_DOCKER_NETWORK"] == "stock-pipeline"
    assert "webserver" not in services  # Airflow 2's name


def test_mongodb_and_the_gcs_emulator_share_the_named_network_the_task_containers_join():
    spec = compose()
    assert spec["networks"]["stock-pipeline"]["name"] == container_settings({})["network_mode"] == "stock-pipeline"
    for name in ("mongo", "fake-gcs", "fake-gcs-init"):
        assert spec["services"][name]["networks"] == ["stock-pipeline"]
    assert spec["services"]["mongo"]["image"].startswith("mongo:7")
    example = env_example()
    assert example["MONGODB_URI"] == "mongodb://mongo:27017"
    assert example["GCS_API_ENDPOINT"] == "http://fake-gcs:4443"
    bucket = re.match(r"gs://([^/]+)", example["LAKE_URI"]).group(1)
    assert f'\\"name\\": \\"{bucket}\\"' in COMPOSE.read_text() or f'"name": "{bucket}"' in str(
        spec["services"]["fake-gcs-init"]["command"]
    )


def test_the_service_images_are_the_versions_the_tests_run():
    services = compose()["services"]
    pinned = re.search(r'FAKE_GCS_VERSION="v([0-9.]+)"', (REPO / "scripts" / "ensure-tools.sh").read_text()).group(1)
    assert services["fake-gcs"]["image"] == f"fsouza/fake-gcs-server:{pinned}"
    test_env = REPO / "ci" / "src" / "test-env.ts"
    if not test_env.is_file():
        pytest.skip("ci/src/test-env.ts (the Dagger test services) does not exist yet")
    source = test_env.read_text()
    assert f'MONGO_IMAGE = "{services["mongo"]["image"]}"' in source
    assert f'FAKE_GCS_IMAGE = "{services["fake-gcs"]["image"]}"' in source


def test_the_image_the_dag_runs_is_the_one_the_airflow_page_documents():
    page = (REPO / "docs" / "airflow.md").read_text()
    assert DEFAULT_IMAGE == "stock-pipeline:latest"
    assert "`PIPELINE_IMAGE`" in page and DEFAULT_IMAGE in page
    assert env_example()["PIPELINE_IMAGE"] == DEFAULT_IMAGE


def test_the_image_the_dag_runs_is_the_one_the_dagger_module_builds():
    image_files = REPO / "ci" / "src" / "image-files.ts"
    if not image_files.is_file():
        pytest.skip("ci/ (the Dagger module) does not define its image yet: ci/src/image-files.ts is missing")
    source = image_files.read_text()
    tag = re.search(r'export const IMAGE_TAG = "([^"]+)"', source)
    entrypoint = re.search(r'export const ENTRYPOINT = "([^"]+)"', source)
    assert tag and entrypoint, "IMAGE_TAG / ENTRYPOINT not found in ci/src/image-files.ts"
    assert tag.group(1) == DEFAULT_IMAGE
    assert entrypoint.group(1) == "stock-pipeline"  # what the DAG (entrypoint=None) and launch.py rely on


def lock_version(package: str) -> str:
    lock = (REPO / "dags" / "requirements-test.lock").read_text()
    match = re.search(rf"^{re.escape(package)}==(\S+)$", lock, re.M | re.I)
    assert match, f"{package} is not pinned in dags/requirements-test.lock"
    return match.group(1)


def test_the_astro_project_runs_the_airflow_line_and_provider_the_tests_run():
    dockerfile = (ASTRO / "Dockerfile").read_text()
    base = re.search(r"^FROM astrocrpublic\.azurecr\.io/runtime:(\d+)\.(\d+)-(\d+)\s*$", dockerfile, re.M)
    assert base, "astro/Dockerfile must start FROM a pinned Astro Runtime 3.x image (runtime:X.Y-N)"
    airflow = lock_version("apache-airflow")
    assert airflow.startswith(f"{base.group(1)}.{base.group(2)}."), f"Runtime {base.group(1)}.{base.group(2)} vs tested Airflow {airflow}"
    assert airflow != "3.1.0"
    requirements = (ASTRO / "requirements.txt").read_text()
    assert f"apache-airflow-providers-docker=={lock_version('apache-airflow-providers-docker')}" in requirements


def test_the_astro_project_uses_the_repository_dags_folder_without_a_copy():
    assert (ASTRO / "dags").is_symlink() and (ASTRO / "dags").resolve() == REPO / "dags"
    override = ASTRO / "docker-compose.override.yml"
    assert override.is_symlink() and override.resolve() == COMPOSE
    assert "dags" in (ASTRO / ".dockerignore").read_text().split()
    for required in (".astro/config.yaml", ".astro/test_dag_integrity_default.py", "airflow_settings.yaml", "packages.txt"):
        assert (ASTRO / required).is_file(), required
    settings = yaml.safe_load((ASTRO / "airflow_settings.yaml").read_text())
    assert settings["airflow"]["variables"] == [] and settings["airflow"]["connections"] == []
