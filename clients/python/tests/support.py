"""Real parts for the client's tests: the keep-alive host process, a model server and free ports, all on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple

REPOSITORY = Path(__file__).resolve().parents[3]
HOST_DLL_VARIABLE = "KEEPALIVE_HOST_DLL"
PATIENCE = 30.0
_LISTENING = re.compile(r"Now listening on: (http://127\.0\.0\.1:[0-9]+)")
_START_TIMEOUT = 60.0


def host_dll() -> Path:
    """The host's build output (``KEEPALIVE_HOST_DLL`` overrides it)."""
    dll = Path(os.environ.get(HOST_DLL_VARIABLE) or REPOSITORY / "src/KeepAlive.Host/bin/Release/net10.0/KeepAlive.Host.dll")
    if not dll.is_file():
        raise FileNotFoundError(f"{dll} not found: build the host first (dotnet build -c Release), or set {HOST_DLL_VARIABLE}")
    return dll


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def eventually(condition: Callable[[], bool], what: str, timeout: float = PATIENCE) -> None:
    """Polls ``condition`` until it holds; fails naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.1)


def status_of(client, model: str, host: str) -> Optional[dict]:
    """The pair's status, or None while the service does not know it."""
    from keepalive_client import NotFoundError

    try:
        return client.provider(model, host)
    except NotFoundError:
        return None


def provider_eventually(client, model: str, host: str) -> dict:
    """Usage is told, not asked: a pair answers once its actor has taken the usage, milliseconds later."""
    eventually(lambda: status_of(client, model, host) is not None, f"{model} on {host} to be known")
    return status_of(client, model, host)


class HostProcess:
    """``dotnet KeepAlive.Host.dll --urls http://127.0.0.1:<port> ...`` with its output captured, until :meth:`stop`."""

    def __init__(self, arguments: Sequence[str], port: int = 0) -> None:
        dll = host_dll()
        environment = dict(os.environ, DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION="false")
        self._process = subprocess.Popen(
            ["dotnet", str(dll), "--urls", f"http://127.0.0.1:{port}", *arguments],
            cwd=dll.parent,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._output: List[str] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self.url = _LISTENING.search(self.wait_for_output(_LISTENING.search, _START_TIMEOUT)).group(1)
            eventually(self._ready, "the host to be ready (/readyz)", _START_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    @property
    def output(self) -> List[str]:
        with self._lock:
            return list(self._output)

    def wait_for_output(self, matches: Callable[[str], object], timeout: float = PATIENCE) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = next((line for line in self.output if matches(line)), None)
            if line is not None:
                return line
            if self._process.poll() is not None or time.monotonic() >= deadline:
                raise AssertionError(
                    f"no matching output line within {timeout:.0f} s (exit code {self._process.poll()}):\n" + "\n".join(self.output)
                )
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(15)
        if self._process.stdout:
            self._process.stdout.close()

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/readyz", timeout=5) as answer:
                return answer.status == 200
        except OSError:
            return False

    def _read(self) -> None:
        for line in self._process.stdout:
            with self._lock:
                self._output.append(line.rstrip("\n"))


class _RecordingServer:
    """A ThreadingHTTPServer on 127.0.0.1 whose handler answers with :meth:`_answer` and records each request."""

    def __init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                body = json.loads(raw) if raw else None
                with owner._lock:
                    owner.requests.append((time.monotonic(), self.path, body))
                status, headers, answer = owner._answer(self.path, body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: object) -> None:
                pass

        self.requests: List[Tuple[float, str, object]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def received(self) -> List[Tuple[float, str, object]]:
        with self._lock:
            return list(self.requests)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, path: str, body: object) -> Tuple[int, Dict[str, str], object]:
        raise NotImplementedError


class ModelServer(_RecordingServer):
    """An OpenAI-compatible model server (``POST /v1/chat/completions``) for the service to ping."""

    def models_pinged(self) -> List[str]:
        return [body.get("model") for _, path, body in self.received() if isinstance(body, dict)]

    def _answer(self, path: str, body: object) -> Tuple[int, Dict[str, str], object]:
        if path != "/v1/chat/completions":
            return 404, {}, {"error": "not found"}
        return 200, {}, {"object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": ""}}]}


class ScriptedService(_RecordingServer):
    """Answers ``POST /api/usage/batch`` with the scripted statuses in turn, then 202 like the service.

    The real host has no way to be made to answer 429 or 503 on demand; this stands in for it there, and
    only there, speaking the service's documented answers (problem details, ``Retry-After``).
    """

    def __init__(self, script: Sequence[Tuple[int, Optional[str]]]) -> None:
        self._script = list(script)
        super().__init__()

    def batches(self) -> List[Tuple[float, list]]:
        return [(at, body) for at, path, body in self.received() if path == "/api/usage/batch"]

    def _answer(self, path: str, body: object) -> Tuple[int, Dict[str, str], object]:
        with self._lock:
            scripted = self._script.pop(0) if self._script else None
        if scripted is None:
            return 202, {}, {"accepted": len(body) if isinstance(body, list) else 0}
        status, retry_after = scripted
        headers = {"Retry-After": retry_after} if retry_after is not None else {}
        return status, headers, {"title": "Busy", "status": status, "detail": f"scripted {status}"}


def models_config(directory: str, providers: Dict[str, str]) -> str:
    """A router-style models-config with one active vllm provider per ``{model: api_host}``, keep_alive 1s."""
    group = {
        model: {"providers": [{"id": f"{model}-1", "api_type": "vllm", "api_host": host, "api_token": "", "keep_alive": "1s"}]}
        for model, host in providers.items()
    }
    path = os.path.join(directory, "models-config.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump({"client_models": group, "active_models": {"client_models": list(providers)}}, file)
    return path
