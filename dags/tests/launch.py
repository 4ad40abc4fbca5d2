"""Stand-ins for the container launch, the only part of the DAG the tests replace.

`DockerOperator.execute` normally asks the Docker engine to pull the image,
create a container with the rendered command, `environment` and
`private_environment`, stream its output into the task log and raise when it
exits non-zero. There is no Docker engine here, so:

- `run_as_local_process` runs the same command with the same environment as a
  local process of the built CLI (`node pipeline/bin/stock-pipeline.js`, what
  the image's `stock-pipeline` entrypoint is), streams its output into the
  task log line by line and raises `DockerContainerFailedException` on a
  non-zero exit, exactly as DockerOperator does;
- `Recorder` only records what would have been launched.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from airflow.providers.docker.exceptions import DockerContainerFailedException, DockerContainerFailedSkipException
from airflow.providers.docker.operators.docker import DockerOperator

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "pipeline" / "bin" / "stock-pipeline.js"
IMAGE_ENTRYPOINT = ["stock-pipeline"]  # ci/src/image-files.ts ENTRYPOINT (checked in test_cross_checks)


@dataclass
class Launch:
    task_id: str
    image: str
    entrypoint: list[str]
    command: list[str]
    environment: dict[str, str]
    private_environment: dict[str, str]
    exit_code: int | None = None
    output: list[str] = field(default_factory=list)


def _launch_of(op: DockerOperator) -> Launch:
    command = op.format_command(op.command)
    entrypoint = op.format_command(op.entrypoint) or IMAGE_ENTRYPOINT
    assert isinstance(command, list), f"{op.task_id}: the rendered command must be an argument list, got {command!r}"
    return Launch(op.task_id, op.image, list(entrypoint), command, dict(op.environment), dict(op._private_environment))


class Recorder:
    """Records each launch and answers like a container that printed `last_line` and exited 0."""

    def __init__(self) -> None:
        self.launches: list[Launch] = []

    def __call__(self, op: DockerOperator, context: Any) -> str:
        self.launches.append(_launch_of(op))
        return "{}"

    def commands(self) -> dict[str, list[str]]:
        return {launch.task_id: launch.command for launch in self.launches}


class LocalProcessLauncher:
    """Runs each rendered launch as `node pipeline/bin/stock-pipeline.js <command…>`."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.launches: list[Launch] = []

    def __call__(self, op: DockerOperator, context: Any) -> Any:
        launch = _launch_of(op)
        self.launches.append(launch)
        assert launch.entrypoint == IMAGE_ENTRYPOINT, f"unexpected entrypoint {launch.entrypoint}"
        # A container sees only the environment it is given (plus PATH/HOME of the image).
        env = {"PATH": os.environ["PATH"], "HOME": str(self.workdir), **launch.environment, **launch.private_environment}
        with tempfile.TemporaryDirectory(dir=self.workdir) as cwd:  # a fresh /app per container
            proc = subprocess.Popen(
                ["node", str(CLI), *launch.command],
                cwd=cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            assert proc.stdout is not None
            for raw in proc.stdout:  # DockerOperator's fetch_logs: one log record per line
                line = raw.rstrip("\n")
                launch.output.append(line)
                op.log.info("%s", line)
            launch.exit_code = proc.wait(timeout=600)
        # The rest mirrors DockerOperator._run_image_with_mounts.
        if launch.exit_code in op.skip_on_exit_code:
            raise DockerContainerFailedSkipException(
                f"Docker container returned exit code {op.skip_on_exit_code}. Skipping.", logs=launch.output
            )
        if launch.exit_code != 0:
            raise DockerContainerFailedException(
                f"Docker container failed: {{'Error': None, 'StatusCode': {launch.exit_code}}}", logs=launch.output
            )
        if op.do_xcom_push:
            if not launch.output:
                return None
            return launch.output if op.xcom_all else launch.output[-1]
        return None


def install(monkeypatch, launcher) -> None:
    """Replaces the container launch (and nothing else) for the rest of the test."""

    def execute(self: DockerOperator, context: Any) -> Any:
        return launcher(self, context)

    monkeypatch.setattr(DockerOperator, "execute", execute)
