"""The monitor's pure parts: the keep_alive grammar, the bounded buffer, Retry-After."""

from __future__ import annotations

import unittest

from keepalive_client._http import parse_retry_after
from keepalive_client._usage import UsageBuffer, is_duration, unsendable_name


class DurationTest(unittest.TestCase):
    def test_the_services_grammar_is_a_duration(self) -> None:
        for text in ["30s", "5m", "1h", " 5 M ", "0s", "922337203685s", "15372286728m"]:
            with self.subTest(text=text):
                self.assertTrue(is_duration(text))

    def test_anything_else_is_not(self) -> None:
        for text in ["", "5", "5 minutes", "1h30m", "1.5m", "-1m", "+1m", "5d", "922337203686s", "15372286729m", "٥m"]:
            with self.subTest(text=text):
                self.assertFalse(is_duration(text))


class UnsendableNameTest(unittest.TestCase):
    def test_names_the_service_refuses_are_reported(self) -> None:
        too_long = "é" * 512 + "a"
        for model, host in [(" ", "http://h"), ("m", "\t"), ("m", "http://h|x"), ("\ud800", "http://h"), ("m", "http://\udfff"), (too_long, "http://h"), ("m", too_long)]:
            with self.subTest(model=model, host=host):
                self.assertIsNotNone(unsendable_name(model, host))

    def test_ordinary_names_are_sent(self) -> None:
        self.assertIsNone(unsendable_name("model:google/gemma-3 ü", "http://10.0.0.5:7000/"))
        # 1,024 bytes once surrounding whitespace is dropped, as the service measures them.
        self.assertIsNone(unsendable_name(" " + "é" * 512 + "\n", "\t" + "é" * 512))


class UsageBufferTest(unittest.TestCase):
    def test_keeps_the_latest_usage_per_pair_in_order_of_last_use(self) -> None:
        buffer = UsageBuffer(10)
        buffer.add(("a", "h"), "1m")
        buffer.add(("b", "h"), "1m")
        buffer.add(("a", "h"), "2m")

        self.assertEqual([(("b", "h"), "1m"), (("a", "h"), "2m")], buffer.take(10))
        self.assertEqual(0, len(buffer))

    def test_a_full_buffer_drops_the_oldest_pair(self) -> None:
        buffer = UsageBuffer(2)

        dropped = [buffer.add((name, "h"), "1m") for name in "abc"]

        self.assertEqual([0, 0, 1], dropped)
        self.assertEqual([("b", "h"), ("c", "h")], buffer.pairs())
        self.assertEqual(1, buffer.dropped)

    def test_take_is_oldest_first_up_to_the_limit(self) -> None:
        buffer = UsageBuffer(10)
        for name in "abc":
            buffer.add((name, "h"), "1m")

        self.assertEqual([("a", "h"), ("b", "h")], [pair for pair, _ in buffer.take(2)])
        self.assertEqual([("c", "h")], buffer.pairs())

    def test_an_unsent_batch_goes_back_to_the_front_unless_the_pair_was_used_since(self) -> None:
        buffer = UsageBuffer(10)
        buffer.add(("a", "h"), "1m")
        buffer.add(("b", "h"), "1m")
        batch = buffer.take(2)
        buffer.add(("c", "h"), "1m")
        buffer.add(("b", "h"), "9m")

        buffer.put_back(batch)

        self.assertEqual([(("a", "h"), "1m"), (("c", "h"), "1m"), (("b", "h"), "9m")], buffer.take(10))

    def test_putting_back_into_a_full_buffer_drops_the_oldest(self) -> None:
        buffer = UsageBuffer(2)
        buffer.add(("a", "h"), "1m")
        batch = buffer.take(1)
        buffer.add(("b", "h"), "1m")
        buffer.add(("c", "h"), "1m")

        self.assertEqual(1, buffer.put_back(batch))
        self.assertEqual([("b", "h"), ("c", "h")], buffer.pairs())

    def test_capacity_below_one_is_refused(self) -> None:
        with self.assertRaises(ValueError):
            UsageBuffer(0)


class RetryAfterTest(unittest.TestCase):
    def test_seconds_and_http_dates_are_read_and_bounded(self) -> None:
        now = 784111777.0  # Sun, 06 Nov 1994 08:49:37 GMT
        cases = {
            "3": 3.0,
            " 0 ": 0.0,
            "100000": 300.0,
            "Sun, 06 Nov 1994 08:49:47 GMT": 10.0,
            "Sun, 06 Nov 1994 08:49:27 GMT": 0.0,
        }
        for header, expected in cases.items():
            with self.subTest(header=header):
                self.assertEqual(expected, parse_retry_after(header, now=now))

    def test_absent_or_unreadable_is_none(self) -> None:
        for header in [None, "", "soon", "-5", "1.5"]:
            with self.subTest(header=header):
                self.assertIsNone(parse_retry_after(header))


if __name__ == "__main__":
    unittest.main()
