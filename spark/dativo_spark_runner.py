"""Dativo's Spark runner: runs one task spec on Spark (EMR Serverless, EMR, or local spark-submit).

The spec (JSON, a local path or an s3:// URI read through Spark) names input tables, SQL statements and an output
table. Tables live in Iceberg's JDBC catalog pointed at the same catalog database and warehouse Dativo uses
(docs/lake.md), so a table written here is the table Dativo reads locally, and the reverse.

    {
      "version": 1,
      "catalog": {"name": "default", "uri": "jdbc:postgresql://host:5432/lake", "warehouse": "s3://bucket/warehouse",
                  "user": "dativo", "password_env": "DATIVO_CATALOG_PASSWORD"},
      "inputs": {"shipments": "logistics.shipments"},
      "day": {"column": "shipment_date", "value": "2026-11-01"},
      "statements": ["SELECT carrier, COUNT(*) AS n FROM shipments GROUP BY carrier"],
      "output": {"table": "analytics.carrier_counts", "mode": "append"}
    }

Every statement but the last runs for its effect (e.g. CREATE TEMP VIEW); the last is the query whose rows are
written. Modes: append, overwrite_partitions (replace the partitions the result touches), replace (the table).
"""
import argparse
import json
import os
import re
import sys

SPARK_CATALOG = "dativo"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MODES = ("append", "overwrite_partitions", "replace")


class SpecError(ValueError):
    """The spec is not valid; the message names the key."""


def _table(name, where):
    parts = name.split(".") if isinstance(name, str) else []
    if len(parts) != 2 or not all(_IDENT.match(p) for p in parts):
        raise SpecError(f"{where}: '{name}' is not a table name (namespace.name, letters, digits, _)")
    return ".".join(f"`{p}`" for p in parts)


def parse_spec(text):
    """Checks a spec and returns it with table names quoted for Spark SQL."""
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as e:
        raise SpecError(f"the spec is not JSON: {e}") from e
    if not isinstance(spec, dict) or spec.get("version") != 1:
        raise SpecError("the spec must be an object with version: 1")
    catalog = spec.get("catalog")
    if not isinstance(catalog, dict) or not all(isinstance(catalog.get(k), str) and catalog[k] for k in ("uri", "warehouse")):
        raise SpecError("catalog: needs uri (jdbc:...) and warehouse (s3://... or file:///...)")
    if not catalog["uri"].startswith("jdbc:"):
        raise SpecError(f"catalog.uri: '{catalog['uri']}' is not a JDBC URL")
    inputs = spec.get("inputs", {})
    if not isinstance(inputs, dict):
        raise SpecError("inputs: write a map of view name to table")
    views = {}
    for view, table in inputs.items():
        if not _IDENT.match(view):
            raise SpecError(f"inputs: '{view}' is not a view name")
        views[view] = _table(table, f"inputs.{view}")
    statements = spec.get("statements")
    if not isinstance(statements, list) or not statements or not all(isinstance(s, str) and s.strip() for s in statements):
        raise SpecError("statements: a non-empty list of SQL texts")
    output = spec.get("output")
    if not isinstance(output, dict):
        raise SpecError("output: needs table and mode")
    mode = output.get("mode", "append")
    if mode not in MODES:
        raise SpecError(f"output.mode: '{mode}' is not one of {', '.join(MODES)}")
    day = spec.get("day")
    if day is not None:
        if not isinstance(day, dict) or not _IDENT.match(str(day.get("column", ""))) or not _DATE.match(str(day.get("value", ""))):
            raise SpecError("day: needs column (a name) and value (yyyy-MM-dd)")
    return {
        "catalog": {"name": catalog.get("name", "default"), "uri": catalog["uri"], "warehouse": catalog["warehouse"],
                    "user": catalog.get("user"), "password_env": catalog.get("password_env")},
        "inputs": views,
        "day": day,
        "statements": [s.strip().rstrip(";") for s in statements],
        "output": {"table": _table(output.get("table"), "output.table"), "mode": mode},
    }


def catalog_conf(catalog, env=os.environ):
    """Spark settings for Iceberg's JDBC catalog; the catalog name in the database is Dativo's ('default')."""
    prefix = f"spark.sql.catalog.{SPARK_CATALOG}"
    conf = {
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.catalog-impl": "org.apache.iceberg.jdbc.JdbcCatalog",
        f"{prefix}.uri": catalog["uri"],
        f"{prefix}.warehouse": catalog["warehouse"],
        # the JDBC catalog keys its rows by this name: it must be the one Dativo writes
        f"{prefix}.jdbc.catalog-name-override": catalog["name"],
    }
    if catalog["warehouse"].startswith("s3://"):
        conf[f"{prefix}.io-impl"] = "org.apache.iceberg.aws.s3.S3FileIO"
    if catalog.get("user"):
        conf[f"{prefix}.jdbc.user"] = catalog["user"]
    if catalog.get("password_env"):
        password = env.get(catalog["password_env"])
        if password is None:
            raise SpecError(f"catalog.password_env: the variable {catalog['password_env']} is not set")
        conf[f"{prefix}.jdbc.password"] = password
    return conf


def run(spec, spark):
    """Registers the inputs as views, runs the statements, writes the last one's rows. Returns the rows written."""
    for view, table in spec["inputs"].items():
        frame = spark.table(f"{SPARK_CATALOG}.{table}")
        if spec["day"] is not None:
            frame = frame.where(f"CAST(`{spec['day']['column']}` AS DATE) = DATE '{spec['day']['value']}'")
        frame.createOrReplaceTempView(view)
    for statement in spec["statements"][:-1]:
        spark.sql(statement)
    result = spark.sql(spec["statements"][-1])
    target = f"{SPARK_CATALOG}.{spec['output']['table']}"
    writer = result.writeTo(target)
    mode = spec["output"]["mode"]
    if mode == "replace":
        writer.createOrReplace()
    elif not spark.catalog.tableExists(target):
        writer.create()
    elif mode == "append":
        writer.append()
    else:
        writer.overwritePartitions()
    return result.count()


def read_text(location):
    """A local file, or an s3:// object (through boto3, which EMR images carry)."""
    if location.startswith("s3://"):
        import boto3  # only on AWS

        bucket, _, key = location[len("s3://"):].partition("/")
        return boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8")
    with open(location, encoding="utf-8") as f:
        return f.read()


def main(argv=None, session_factory=None):
    parser = argparse.ArgumentParser(description="Run a Dativo task spec on Spark")
    parser.add_argument("--spec", required=True, help="the spec: a local path or an s3:// URI")
    args = parser.parse_args(argv)
    if session_factory is None:
        from pyspark.sql import SparkSession  # only on the cluster

        def session_factory(conf):
            builder = SparkSession.builder.appName("dativo-runner")
            for key, value in conf.items():
                builder = builder.config(key, value)
            return builder.getOrCreate()
    try:
        spec = parse_spec(read_text(args.spec))
        spark = session_factory(catalog_conf(spec["catalog"]))
    except SpecError as e:
        print(f"dativo runner: {e}", file=sys.stderr)
        return 2
    rows = run(spec, spark)
    print(json.dumps({"table": spec["output"]["table"].replace("`", ""), "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
