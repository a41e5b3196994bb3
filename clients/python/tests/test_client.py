"""KeepAliveClient against the real host process (with an API token) and a model server, all on 127.0.0.1."""

from __future__ import annotations

import os
import tempfile
import unittest
from typing import Optional
from unittest import mock

from keepalive_client import (
    HostBusyError,
    InvalidRequestError,
    KeepAliveClient,
    NotFoundError,
    ServiceUnreachableError,
    UnauthorizedError,
)

from .support import HostProcess, ModelServer, eventually, free_port, models_config, provider_eventually, status_of

TOKEN = "kc-secret-token-never-shown-4711"
# A host no provider names: usage of it is recorded, and never pinged.
NOWHERE = "http://127.0.0.1:9"


class _Service:
    """One host with an API token for the module, its models-config naming two model servers."""

    def __init__(self) -> None:
        self.folder = tempfile.TemporaryDirectory(prefix="keepalive-client-")
        self.backend = ModelServer()
        self.shared = ModelServer()
        self.held = ModelServer()
        try:
            config = models_config(
                self.folder.name,
                {"warm": self.backend.url, "guest": self.shared.url, "occupant": self.shared.url, "held": self.held.url},
            )
            self.host = HostProcess(["--models-config", config, "--api-token", TOKEN])
        except BaseException:
            self.close_servers()
            raise
        self.client = KeepAliveClient(self.host.url, api_token=TOKEN)

    def close(self) -> None:
        self.host.stop()
        self.close_servers()

    def close_servers(self) -> None:
        for server in (self.backend, self.shared, self.held):
            server.close()
        self.folder.cleanup()


_service: _Service


def setUpModule() -> None:
    global _service
    _service = _Service()


def tearDownModule() -> None:
    _service.close()


class _UsesTheService(unittest.TestCase):
    def setUp(self) -> None:
        self.host, self.client = _service.host, _service.client
        self.backend, self.shared, self.held = _service.backend, _service.shared, _service.held


class KeepAliveClientTest(_UsesTheService):
    def state_of(self, model: str, host: str) -> Optional[str]:
        status = status_of(self.client, model, host)
        return status["state"] if status else None

    def provider_eventually(self, model: str, host: str) -> dict:
        return provider_eventually(self.client, model, host)

    def test_record_usage_registers_the_pair_with_its_keep_alive(self) -> None:
        self.assertEqual(1, self.client.record_usage("usage-model", NOWHERE, "30s"))

        status = self.provider_eventually("usage-model", NOWHERE)

        self.assertEqual(("usage-model", NOWHERE, 30), (status["model"], status["host"], status["keep_alive_seconds"]))

    def test_record_usage_batch_accepts_tuples_and_mappings_and_lists_them_all(self) -> None:
        accepted = self.client.record_usage_batch(
            [("batch-a", NOWHERE, "1m"), {"model_name": "batch-b", "host": NOWHERE, "keep_alive": "2h"}]
        )

        self.assertEqual(2, accepted)
        self.assertEqual(60, self.provider_eventually("batch-a", NOWHERE)["keep_alive_seconds"])
        self.assertEqual(7200, self.provider_eventually("batch-b", NOWHERE)["keep_alive_seconds"])
        listing = self.client.providers()
        self.assertEqual(listing["count"], len(listing["providers"]))
        self.assertTrue({"batch-a", "batch-b"} <= {p["model"] for p in listing["providers"]})

    def test_a_keep_alive_that_is_not_a_duration_is_an_invalid_request_naming_the_field(self) -> None:
        with self.assertRaises(InvalidRequestError) as raised:
            self.client.record_usage("m", NOWHERE, "5 minutes")

        error = raised.exception
        self.assertEqual((400, "Invalid request"), (error.status, error.title))
        self.assertEqual(["keep_alive"], list(error.errors))
        self.assertIn("not a duration", error.errors["keep_alive"][0])
        self.assertIn("keep_alive", str(error))

    def test_a_bad_batch_item_is_named_by_its_index(self) -> None:
        with self.assertRaises(InvalidRequestError) as raised:
            self.client.record_usage_batch([("fine", NOWHERE, "1m"), ("", NOWHERE, "1m")])

        self.assertIn("[1].model_name", raised.exception.errors)

    def test_unregister_removes_the_pair(self) -> None:
        self.client.record_usage("leaving", NOWHERE, "1m")
        self.provider_eventually("leaving", NOWHERE)

        self.client.unregister("leaving", NOWHERE)

        eventually(lambda: status_of(self.client, "leaving", NOWHERE) is None, "the unregistered pair to be gone")

    def test_an_unknown_pair_is_not_found_with_the_problem_details(self) -> None:
        for call in (self.client.unregister, self.client.provider):
            with self.subTest(call=call.__name__), self.assertRaises(NotFoundError) as raised:
                call("never-used", NOWHERE)
            error = raised.exception
            self.assertEqual((404, "Unknown pair"), (error.status, error.title))
            self.assertIn("never-used", error.detail)

    def test_a_real_request_on_the_host_holds_its_pings_until_it_finishes(self) -> None:
        with self.client.host_request(self.held.url):
            self.client.record_usage("held", self.held.url, "1s")
            eventually(lambda: self.state_of("held", self.held.url) == "awaiting-host", "held to be due and wait for its host")
            self.assertEqual([], self.held.models_pinged())

        eventually(lambda: "held" in self.held.models_pinged(), "a ping once the request finished")

    def test_providers_are_filtered_sorted_and_paged(self) -> None:
        models = [f"paged-{i:02d}" for i in range(12)]
        self.client.record_usage_batch([(model, NOWHERE, "1h") for model in models])
        eventually(lambda: self.client.providers(q="paged-", limit=1)["total"] == 12, "the 12 paged pairs")

        page = self.client.providers(q="PAGED-", sort="model", order="desc", offset=5, limit=5)

        self.assertEqual((5, 12, 5, 5), (page["count"], page["total"], page["offset"], page["limit"]))
        self.assertEqual(models[2:7][::-1], [p["model"] for p in page["providers"]])
        with self.assertRaises(InvalidRequestError) as raised:
            self.client.providers(limit=501)
        self.assertIn("limit", raised.exception.errors)

    def test_hosts_name_the_occupant_and_the_real_requests_in_flight(self) -> None:
        self.client.record_usage("warm", self.backend.url, "1h")

        def backend() -> Optional[dict]:
            return next((h for h in self.client.hosts()["hosts"] if h["host"] == self.backend.url.rstrip("/")), None)

        eventually(lambda: (backend() or {}).get("occupant") == "warm", "warm to occupy its host")
        with self.client.host_request(self.backend.url):
            eventually(lambda: backend()["requests_in_flight"] == 1, "the request in flight")
        eventually(lambda: backend()["requests_in_flight"] == 0, "the request finished")
        self.assertEqual(self.client.cluster()["self"], backend()["node"])

    def test_cluster_shows_this_node_up_reachable_and_leading(self) -> None:
        cluster = self.client.cluster()

        (member,) = cluster["members"]
        self.assertEqual(cluster["self"], member["address"])
        self.assertEqual(cluster["self"], cluster["leader"])
        self.assertEqual(("up", True), (member["status"], member["reachable"]))
        self.assertIsInstance(member["pairs"], int)
        self.assertEqual([], cluster["unreachable_nodes"])

    def test_a_wrong_token_is_unauthorized_and_no_token_is_ever_shown(self) -> None:
        wrong = KeepAliveClient(self.host.url, api_token="wrong-secret-0815")

        with self.assertRaises(UnauthorizedError) as raised:
            wrong.providers()

        self.assertEqual(401, raised.exception.status)
        shown = [str(raised.exception), repr(raised.exception), repr(wrong), repr(self.client), str(raised.exception.problem)]
        for text in shown:
            self.assertNotIn("wrong-secret-0815", text)
            self.assertNotIn(TOKEN, text)

    def test_url_and_token_default_to_the_environment(self) -> None:
        with mock.patch.dict(os.environ, {"KEEPALIVE_URL": self.host.url, "KEEPALIVE_API_TOKEN": TOKEN}):
            client = KeepAliveClient()

        self.assertEqual(self.host.url, client.base_url)
        self.assertIn("providers", client.providers())

    def test_without_environment_the_url_is_the_services_default(self) -> None:
        with mock.patch.dict(os.environ, {}, clear=True):
            self.assertEqual("http://127.0.0.1:5080", KeepAliveClient().base_url)

    def test_a_service_that_does_not_answer_is_unreachable(self) -> None:
        silent = KeepAliveClient(f"http://127.0.0.1:{free_port()}", timeout=2)

        with self.assertRaises(ServiceUnreachableError):
            silent.providers()


class PingNowTest(_UsesTheService):
    """``POST /api/providers/ping`` as documented: 200 with the ping's outcome, 409 naming the occupant, 404."""

    def test_ping_now_pings_the_pair_once_and_answers_its_outcome(self) -> None:
        before = self.backend.models_pinged().count("warm")

        outcome = self.client.ping_now("warm", self.backend.url)

        self.assertEqual("succeeded", outcome.get("outcome"))
        self.assertIn("latency_ms", outcome)
        self.assertGreater(self.backend.models_pinged().count("warm"), before)

    def test_ping_now_on_a_host_busy_with_another_model_names_the_occupant(self) -> None:
        self.client.record_usage("occupant", self.shared.url, "1h")
        raised = []

        def busy() -> bool:
            try:
                self.client.ping_now("guest", self.shared.url)
                return False
            except HostBusyError as error:
                raised.append(error)
                return True

        eventually(busy, "the host to be occupied by another model")
        self.assertEqual((409, "occupant"), (raised[0].status, raised[0].occupant))

    def test_ping_now_without_a_matching_provider_is_not_found(self) -> None:
        with self.assertRaises(NotFoundError):
            self.client.ping_now("no-such-model", self.backend.url)


if __name__ == "__main__":
    unittest.main()
