"""Tests of the runner's spec handling and Spark calls, with a recording stand-in for the Spark session."""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import dativo_spark_runner as runner  # noqa: E402

SPEC = {
    "version": 1,
    "catalog": {"name": "default", "uri": "jdbc:postgresql://db:5432/lake", "warehouse": "s3://lake/warehouse",
                "user": "dativo", "password_env": "CATALOG_PW"},
    "inputs": {"shipments": "logistics.shipments"},
    "day": {"column": "shipment_date", "value": "2026-11-01"},
    "statements": ["CREATE OR REPLACE TEMP VIEW s AS SELECT * FROM shipments;", "SELECT carrier, COUNT(*) AS n FROM s GROUP BY carrier"],
    "output": {"table": "analytics.carrier_counts", "mode": "overwrite_partitions"},
}


class Recorder:
    def __init__(self, calls, name):
        self.calls, self.name = calls, name

    def __getattr__(self, attr):
        def call(*args):
            self.calls.append((f"{self.name}.{attr}", args))
            return 3 if attr == "count" else Recorder(self.calls, self.name)
        return call


class FakeSession:
    def __init__(self, existing=()):
        self.calls, self.existing = [], set(existing)
        outer = self

        class Catalog:
            def tableExists(self, name):
                outer.calls.append(("catalog.tableExists", (name,)))
                return name in outer.existing
        self.catalog = Catalog()

    def table(self, name):
        self.calls.append(("table", (name,)))
        return Recorder(self.calls, "input")

    def sql(self, text):
        self.calls.append(("sql", (text,)))
        return Recorder(self.calls, "result")


class RunnerTests(unittest.TestCase):
    def test_runs_statements_and_overwrites_the_partitions_of_an_existing_table(self):
        spec = runner.parse_spec(json.dumps(SPEC))
        spark = FakeSession(existing={"dativo.`analytics`.`carrier_counts`"})
        self.assertEqual(3, runner.run(spec, spark))
        names = [c[0] for c in spark.calls]
        self.assertEqual(("dativo.`logistics`.`shipments`",), spark.calls[0][1])
        self.assertIn(("input.where", ("CAST(`shipment_date` AS DATE) = DATE '2026-11-01'",)), spark.calls)
        self.assertIn(("input.createOrReplaceTempView", ("shipments",)), spark.calls)
        self.assertIn(("sql", ("CREATE OR REPLACE TEMP VIEW s AS SELECT * FROM shipments",)), spark.calls)
        self.assertIn(("result.writeTo", ("dativo.`analytics`.`carrier_counts`",)), spark.calls)
        self.assertIn("result.overwritePartitions", names)
        self.assertNotIn("result.create", names)

    def test_a_missing_table_is_created(self):
        spark = FakeSession()
        runner.run(runner.parse_spec(json.dumps({**SPEC, "output": {"table": "analytics.new", "mode": "append"}})), spark)
        self.assertIn("result.create", [c[0] for c in spark.calls])

    def test_catalog_settings_point_at_dativos_jdbc_catalog(self):
        conf = runner.catalog_conf(runner.parse_spec(json.dumps(SPEC))["catalog"], env={"CATALOG_PW": "pw"})
        self.assertEqual("org.apache.iceberg.jdbc.JdbcCatalog", conf["spark.sql.catalog.dativo.catalog-impl"])
        self.assertEqual("jdbc:postgresql://db:5432/lake", conf["spark.sql.catalog.dativo.uri"])
        self.assertEqual("default", conf["spark.sql.catalog.dativo.jdbc.catalog-name-override"])
        self.assertEqual("org.apache.iceberg.aws.s3.S3FileIO", conf["spark.sql.catalog.dativo.io-impl"])
        self.assertEqual("pw", conf["spark.sql.catalog.dativo.jdbc.password"])
        with self.assertRaisesRegex(runner.SpecError, "CATALOG_PW is not set"):
            runner.catalog_conf(runner.parse_spec(json.dumps(SPEC))["catalog"], env={})

    def test_invalid_specs_name_the_key(self):
        cases = [
            ({**SPEC, "version": 2}, "version: 1"),
            ({**SPEC, "inputs": {"shipments": "logistics.ship`ments"}}, "inputs.shipments"),
            ({**SPEC, "inputs": {"bad view": "a.b"}}, "not a view name"),
            ({**SPEC, "output": {"table": "x", "mode": "append"}}, "output.table"),
            ({**SPEC, "output": {"table": "a.b", "mode": "merge"}}, "output.mode"),
            ({**SPEC, "day": {"column": "d", "value": "2026-11-01'; DROP"}}, "day:"),
            ({**SPEC, "statements": []}, "statements"),
            ({**SPEC, "catalog": {"uri": "postgresql://x", "warehouse": "s3://w"}}, "not a JDBC URL"),
        ]
        for spec, message in cases:
            with self.subTest(message=message), self.assertRaisesRegex(runner.SpecError, message.replace("(", r"\(")):
                runner.parse_spec(json.dumps(spec))

    def test_main_reads_a_local_spec_and_reports_bad_ones_with_exit_code_2(self):
        with tempfile.TemporaryDirectory() as d:
            good, bad = os.path.join(d, "spec.json"), os.path.join(d, "bad.json")
            with open(good, "w", encoding="utf-8") as f:
                json.dump({**SPEC, "catalog": {"uri": "jdbc:sqlite:/tmp/c.db", "warehouse": "file:///tmp/wh"}}, f)
            with open(bad, "w", encoding="utf-8") as f:
                f.write("{")
            sessions = []
            self.assertEqual(0, runner.main(["--spec", good], session_factory=lambda conf: sessions.append(conf) or FakeSession()))
            self.assertEqual("jdbc:sqlite:/tmp/c.db", sessions[0]["spark.sql.catalog.dativo.uri"])
            self.assertEqual(2, runner.main(["--spec", bad], session_factory=lambda conf: FakeSession()))


if __name__ == "__main__":
    unittest.main()
