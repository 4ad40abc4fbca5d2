"""The pipeline image running one ``stock-pipeline`` command, as an Airflow task.

- Non-secret configuration is read from the Airflow process's environment
  (docker-compose.local.yml passes the repository's ``.env``) when the DAG is
  parsed, and reaches the container through ``environment`` (a templated,
  visible field).
- Secrets (the Polygon key, the MongoDB URI) are read only when the task runs,
  from the worker's environment or else an Airflow Variable, masked in the
  task log, and handed to the container through ``private_environment``: they
  are never in the DAG file, a rendered template or the serialized DAG.
- GCS credentials are a key file on the Docker host, mounted read-only.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from airflow.exceptions import AirflowFailException, AirflowSkipException
from airflow.providers.docker.operators.docker import DockerOperator
from airflow.sdk import Variable
from airflow.sdk.log import mask_secret
from docker.types import Mount

from pipeline_cli import InvalidParams, cli_args, plan_for

DEFAULT_IMAGE = "stock-pipeline:latest"
DEFAULT_NETWORK = "stock-pipeline"
DEFAULT_DOCKER_URL = "unix://var/run/docker.sock"
GCP_KEY_IN_CONTAINER = "/run/secrets/gcp-credentials.json"

# Settings of the DAG itself (where the image and Docker are), not of the CLI.
ORCHESTRATION_VARS = ("PIPELINE_IMAGE", "PIPELINE_DOCKER_NETWORK", "PIPELINE_DOCKER_URL", "PIPELINE_GCP_CREDENTIALS_FILE")
# CLI configuration passed as is when set (names from pipeline/src/config.server.ts).
FORWARDED_CONFIG = (
    "POLYGON_BASE_URL",
    "POLYGON_MAX_REQUESTS_PER_MINUTE",
    "POLYGON_TIMEOUT_MS",
    "POLYGON_MAX_RETRIES",
    "POLYGON_RETRY_BASE_MS",
    "MONGODB_DB",
    "LAKE_URI",
    "GCS_API_ENDPOINT",
    "GCS_PROJECT_ID",
    "TICKERS",
    "MAX_CATCH_UP_SESSIONS",
    "ALLOW_SYNTHETIC_DATA",
)
# Secret CLI configuration -> the Airflow Variable that may hold it.
SECRET_CONFIG = {"POLYGON_API_KEY": "stock_pipeline_polygon_api_key", "MONGODB_URI": "stock_pipeline_mongodb_uri"}
# Without these a container would write to its own disk, which is discarded with it.
REQUIRED_IN_CONTAINER = ("MONGODB_URI", "LAKE_URI")
_WHERE_TO_SET = {
    "LAKE_URI": "LAKE_URI (gs://bucket/prefix) in the Airflow services' environment (.env)",
    "MONGODB_URI": "MONGODB_URI in the Airflow services' environment (.env) or the Airflow Variable " + SECRET_CONFIG["MONGODB_URI"],
}


def container_settings(env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """DockerOperator arguments shared by every task, from the Airflow process's environment."""
    environment = {name: env[name] for name in FORWARDED_CONFIG if env.get(name, "").strip()}
    mounts = []
    if key_file := env.get("PIPELINE_GCP_CREDENTIALS_FILE", "").strip():
        mounts.append(Mount(target=GCP_KEY_IN_CONTAINER, source=key_file, type="bind", read_only=True))
        environment["GOOGLE_APPLICATION_CREDENTIALS"] = GCP_KEY_IN_CONTAINER
    return {
        "image": env.get("PIPELINE_IMAGE", "").strip() or DEFAULT_IMAGE,
        "docker_url": env.get("PIPELINE_DOCKER_URL", "").strip() or DEFAULT_DOCKER_URL,
        "network_mode": env.get("PIPELINE_DOCKER_NETWORK", "").strip() or DEFAULT_NETWORK,
        "environment": environment,
        "mounts": mounts,
    }


def stock_pipeline_command(task: str, params: Mapping[str, Any], dag_run: Any) -> str:
    """Jinja macro: the task's CLI arguments as a JSON list (DockerOperator parses a "[...]" command)."""
    try:
        return json.dumps(cli_args(task, plan_for(params, dag_run)))
    except InvalidParams as e:
        # Retrying cannot fix contradictory params: fail at once, saying why.
        raise AirflowFailException(f"invalid params for this run: {e}") from e


def resolve_secrets(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """Secret values for the container: the worker's environment, else an Airflow Variable.

    The Variable is only looked up when the environment lacks the value (a miss
    is logged as an error by Airflow). Variables may come from any secrets backend.
    """
    found = {}
    for name, variable in SECRET_CONFIG.items():
        value = env.get(name, "").strip() or (Variable.get(variable, default=None) or "")
        if value.strip():
            mask_secret(value.strip())
            found[name] = value.strip()
    return found


class PipelineContainerOperator(DockerOperator):
    """A DockerOperator that adds the secrets at run time and skips an empty command.

    A non-zero exit of the CLI makes DockerOperator raise, so the task fails and
    Airflow retries it (bounded by ``retries``).
    """

    def execute(self, context: Any) -> Any:
        command = self.format_command(self.command)
        if not command:
            raise AirflowSkipException(f"{self.task_id} has nothing to do in mode {context['params'].get('mode')}")
        self._private_environment = {**self._private_environment, **resolve_secrets()}
        given = {**self.environment, **self._private_environment}
        if missing := [name for name in REQUIRED_IN_CONTAINER if not given.get(name)]:
            raise AirflowFailException(
                f"{' and '.join(missing)} not set for the pipeline containers, whose own disk is discarded with "
                "them: set " + "; set ".join(_WHERE_TO_SET[name] for name in missing)
            )
        self.log.info("running: stock-pipeline %s (image %s)", " ".join(command), self.image)
        return super().execute(context)
