"""KeepAliveMonitor as llm-router uses it, against the real host process and model servers on 127.0.0.1."""

from __future__ import annotations

import inspect
import logging
import tempfile
import time
import unittest
from typing import List

from keepalive_client import KeepAliveClient, KeepAliveMonitor

from .support import HostProcess, ModelServer, ScriptedService, eventually, free_port, models_config, provider_eventually, status_of

# The parameters of llm_router_api.core.monitor.keep_alive_monitor.KeepAliveMonitor.__init__, in order.
ORIGINAL_PARAMETERS = [
    "redis_client",
    "keep_alive",
    "check_interval",
    "logger",
    "is_host_free_callback",
    "clear_buffers",
    "redis_prefix",
]
NOWHERE = "http://127.0.0.1:9"


def quiet_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(f"keepalive-client-test.{name}")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    return logger


class KeepAliveMonitorTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.folder = tempfile.TemporaryDirectory(prefix="keepalive-monitor-")
        cls.backend = ModelServer()
        try:
            cls.host = HostProcess(["--models-config", models_config(cls.folder.name, {"warm": cls.backend.url})])
        except BaseException:
            cls.backend.close()
            cls.folder.cleanup()
            raise
        cls.client = KeepAliveClient(cls.host.url)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.host.stop()
        cls.backend.close()
        cls.folder.cleanup()

    def monitor(self, **options) -> KeepAliveMonitor:
        options.setdefault("base_url", self.host.url)
        options.setdefault("logger", quiet_logger(self.id()))
        monitor = KeepAliveMonitor(**options)
        self.addCleanup(monitor.stop)
        return monitor

    def known(self, model: str, host: str = NOWHERE) -> bool:
        return status_of(self.client, model, host) is not None

    def test_it_takes_every_parameter_of_the_original_in_the_same_order(self) -> None:
        parameters = list(inspect.signature(KeepAliveMonitor.__init__).parameters.values())[1:]

        self.assertEqual(ORIGINAL_PARAMETERS, [p.name for p in parameters[: len(ORIGINAL_PARAMETERS)]])
        self.assertTrue(all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters[: len(ORIGINAL_PARAMETERS)]))
        self.assertTrue(all(p.kind is p.KEYWORD_ONLY for p in parameters[len(ORIGINAL_PARAMETERS):]))

    def test_constructed_as_the_router_does_it_ignores_its_redis_arguments_and_says_so_for_clear_buffers(self) -> None:
        logger = quiet_logger("router")
        with self.assertLogs(logger, logging.INFO) as logs:
            monitor = self.monitor(
                redis_client=object(),
                check_interval=1,
                logger=logger,
                keep_alive=object(),
                is_host_free_callback=lambda host, model: False,
                clear_buffers=True,
                redis_prefix="keepalive",
            )
        monitor.start()

        monitor.record_usage(model_name="router-made", host=NOWHERE, keep_alive="2m")

        eventually(lambda: self.known("router-made"), "the usage to reach the service")
        self.assertEqual(120, provider_eventually(self.client, "router-made", NOWHERE)["keep_alive_seconds"])
        self.assertTrue(any("clear_buffers is ignored" in line for line in logs.output))

    def test_recorded_usage_reaches_the_service_which_then_pings_the_model(self) -> None:
        monitor = self.monitor()
        monitor.start()

        monitor.record_usage("warm", self.backend.url, "1s")

        eventually(lambda: "warm" in self.backend.models_pinged(), "the service to ping warm")
        self.assertEqual(1, monitor.sent_usages)

    def test_stop_sends_the_usage_still_buffered(self) -> None:
        monitor = self.monitor(flush_interval=3600)
        monitor.start()
        monitor.record_usage("first", NOWHERE, "1m")
        eventually(lambda: monitor.sent_usages == 1, "the first usage to be sent")
        # The thread now waits out its flush interval: the next usage stays in the buffer.
        monitor.record_usage("at-stop", NOWHERE, "1m")
        self.assertEqual(1, monitor.pending_usages)

        monitor.stop()

        self.assertEqual((0, 2), (monitor.pending_usages, monitor.sent_usages))
        eventually(lambda: self.known("at-stop"), "the usage sent at stop to be known")

    def test_stop_without_start_sends_the_buffer_too(self) -> None:
        monitor = self.monitor()
        monitor.record_usage("never-started", NOWHERE, "1m")

        monitor.stop()

        eventually(lambda: self.known("never-started"), "the usage sent at stop to be known")

    def test_falsy_keep_alive_model_or_host_records_nothing_as_in_the_original(self) -> None:
        monitor = self.monitor()

        for model, host, keep_alive in [("m", NOWHERE, None), ("m", NOWHERE, ""), ("m", NOWHERE, False), ("", NOWHERE, "1m"), ("m", None, "1m")]:
            monitor.record_usage(model, host, keep_alive)

        self.assertEqual(0, monitor.pending_usages)

    def test_a_keep_alive_that_is_not_a_duration_turns_the_pair_off_with_one_warning(self) -> None:
        logger = quiet_logger("duration")
        monitor = self.monitor(logger=logger)

        with self.assertLogs(logger, logging.WARNING) as logs:
            monitor.record_usage("typo", NOWHERE, "5 minutes")
            monitor.record_usage("typo", NOWHERE, "5 minutes")
        monitor.stop()

        self.assertEqual(1, len(logs.output))
        self.assertIn("invalid keep_alive duration '5 minutes'", logs.output[0])
        eventually(lambda: (status_of(self.client, "typo", NOWHERE) or {}).get("state") == "off", "the pair to be off")

    def test_a_full_buffer_drops_the_oldest_pairs_counts_them_and_warns_once(self) -> None:
        logger = quiet_logger("full")
        monitor = self.monitor(max_pending=3, logger=logger)

        with self.assertLogs(logger, logging.WARNING) as logs:
            for number in range(1, 6):
                monitor.record_usage(f"full-{number}", NOWHERE, "1m")
        monitor.stop()

        self.assertEqual(2, monitor.dropped_usages)
        self.assertEqual(1, len(logs.output))
        self.assertIn("usage buffer full", logs.output[0])
        eventually(lambda: all(self.known(f"full-{n}") for n in (3, 4, 5)), "the three newest pairs")
        # Sent in the same batch as the three: the two oldest would be known by now.
        self.assertFalse(self.known("full-1") or self.known("full-2"))

    def test_a_name_over_the_services_limit_is_not_sent_with_one_short_warning_and_the_rest_of_the_batch_arrives(self) -> None:
        logger = quiet_logger("long-names")
        monitor = self.monitor(logger=logger)
        # 1,024 bytes in UTF-8 in 512 characters: a limit counted in characters would take the longer names too.
        at_limit = "é" * 512
        over_limit = at_limit + "a"

        with self.assertLogs(logger, logging.WARNING) as logs:
            monitor.record_usage(at_limit, NOWHERE, "1m")
            monitor.record_usage(over_limit, NOWHERE, "1m")
            monitor.record_usage("m", "http://" + "é" * 509, "1m")
            monitor.record_usage(over_limit, NOWHERE, "1m")
            monitor.record_usage("beside-long-names", NOWHERE, "1m")
        # Unstarted, the monitor sends its whole buffer in one batch at stop.
        monitor.stop()

        self.assertEqual((2, 0), (monitor.sent_usages, monitor.rejected_usages))
        self.assertEqual(2, len(logs.output), "one warning per name, however often it is used")
        self.assertIn("a model name of 1,025 bytes in UTF-8; the service takes at most 1,024", logs.output[0])
        self.assertIn("a host of 1,025 bytes in UTF-8", logs.output[1])
        self.assertTrue(all(len(line) < 400 for line in logs.output), logs.output)
        eventually(lambda: self.known(at_limit) and self.known("beside-long-names"), "the rest of the batch to be known")


class RecordUsageWhileTheServiceIsDownTest(unittest.TestCase):
    def test_record_usage_returns_in_microseconds_and_never_raises(self) -> None:
        logger = quiet_logger("fast")
        monitor = KeepAliveMonitor(base_url=f"http://127.0.0.1:{free_port()}", logger=logger, stop_timeout=0)
        self.addCleanup(monitor.stop)
        with self.assertLogs(logger, logging.WARNING) as logs:
            monitor.start()
            monitor.record_usage("first", NOWHERE, "1m")
            eventually(lambda: logs.output, "a failed post")

        calls = 20_000
        started = time.perf_counter()
        for number in range(calls):
            monitor.record_usage(f"model-{number % 50}", NOWHERE, "1m")
        per_call = (time.perf_counter() - started) / calls

        # An HTTP round trip, even on loopback, takes hundreds of microseconds; a buffered call a few.
        self.assertLess(per_call, 100e-6, f"{per_call * 1e6:.1f} µs per call")
        self.assertEqual(51, monitor.pending_usages)
        for model, host, keep_alive in [(None, NOWHERE, "1m"), ("m", "a|b", "1m"), ("\ud800", NOWHERE, "1m"), ("m", " ", "1m"), (object(), NOWHERE, 12)]:
            monitor.record_usage(model, host, keep_alive)
        # Only the last is kept, as the original would: any model is text, and a keep_alive of 12 turns the pair off.
        self.assertEqual(52, monitor.pending_usages)

    def test_usage_recorded_before_the_service_is_up_arrives_once_it_is(self) -> None:
        port = free_port()
        logger = quiet_logger("late")
        monitor = KeepAliveMonitor(base_url=f"http://127.0.0.1:{port}", logger=logger)
        self.addCleanup(monitor.stop)
        with self.assertLogs(logger, logging.WARNING) as logs:
            monitor.start()
            monitor.record_usage("early", NOWHERE, "1m")
            eventually(lambda: logs.output, "a failed post")

            host = HostProcess([], port=port)
            self.addCleanup(host.stop)
            eventually(lambda: monitor.sent_usages == 1, "the buffered usage to be sent")

        self.assertEqual(60, provider_eventually(KeepAliveClient(host.url), "early", NOWHERE)["keep_alive_seconds"])
        self.assertEqual(1, len(logs.output), "the outage is logged once, though every retry failed until the host was up")
        self.assertIn("did not answer", logs.output[0])


class RetryAfterTest(unittest.TestCase):
    """The real host cannot be made to answer 429 or 503: a scripted service answers those, as the API documents them."""

    def service(self, script) -> ScriptedService:
        service = ScriptedService(script)
        self.addCleanup(service.close)
        return service

    def test_503_and_429_are_retried_after_their_retry_after(self) -> None:
        service = self.service([(503, "1"), (429, "1")])
        monitor = KeepAliveMonitor(base_url=service.url, logger=quiet_logger("retry"))
        self.addCleanup(monitor.stop)
        monitor.start()

        monitor.record_usage("retried", NOWHERE, "1m")

        eventually(lambda: monitor.sent_usages == 1, "the usage to be taken")
        batches = service.batches()
        self.assertEqual(3, len(batches))
        self.assertTrue(all(body == [{"model_name": "retried", "host": NOWHERE, "keep_alive": "1m"}] for _, body in batches))
        waits = [later - earlier for (earlier, _), (later, _) in zip(batches, batches[1:])]
        self.assertTrue(all(wait >= 0.9 for wait in waits), f"waited {waits} s, Retry-After said 1 s")

    def test_a_busy_pair_is_sent_once_with_its_latest_keep_alive(self) -> None:
        service = self.service([])
        monitor = KeepAliveMonitor(base_url=service.url, logger=quiet_logger("coalesce"))

        for seconds in range(1, 1001):
            monitor.record_usage("busy", NOWHERE, f"{seconds}s")
        monitor.stop()

        self.assertEqual([[{"model_name": "busy", "host": NOWHERE, "keep_alive": "1000s"}]], [body for _, body in service.batches()])

    def test_a_refused_batch_is_dropped_counted_and_not_retried(self) -> None:
        service = self.service([(400, None)])
        monitor = KeepAliveMonitor(base_url=service.url, logger=quiet_logger("refused"))
        self.addCleanup(monitor.stop)
        monitor.start()

        monitor.record_usage("refused", NOWHERE, "1m")
        eventually(lambda: monitor.rejected_usages == 1, "the refusal")
        monitor.record_usage("after", NOWHERE, "1m")
        eventually(lambda: monitor.sent_usages == 1, "the next usage to be taken")

        bodies: List[list] = [body for _, body in service.batches()]
        self.assertEqual(["refused", "after"], [body[0]["model_name"] for body in bodies])


if __name__ == "__main__":
    unittest.main()
