"""spark-sql -f / -e and hive -f as a Spark application: each statement of the script (``${name}`` replaced
by ``-d name=value`` / ``--hivevar``), run by Spark SQL in order; a query's rows are printed tab-separated,
as the spark-sql and hive shells print them. HiveQL runs as far as Spark SQL speaks it."""
from __future__ import annotations

import re
import sys


def _options(argv: list[str]) -> tuple[str, dict[str, str]]:
    text, variables, rest = "", {}, list(argv)
    while rest:
        option = rest.pop(0)
        if option == "-f":
            with open(rest.pop(0)) as script:
                text = script.read()
        elif option == "-e":
            text = rest.pop(0)
        elif option in ("-d", "--define", "--hivevar", "--hiveconf"):
            name, _, value = rest.pop(0).partition("=")
            variables[name] = value
    return text, variables


def statements(text: str, variables: dict[str, str]) -> list[str]:
    text = re.sub(r"\$\{(?:hivevar:)?([A-Za-z0-9_.]+)\}", lambda m: variables.get(m.group(1), m.group(0)), text)
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith("--"))
    return [s.strip() for s in text.split(";") if s.strip()]


def main(argv: list[str]) -> None:
    from pyspark.sql import SparkSession

    text, variables = _options(argv)
    spark = SparkSession.builder.appName("spark-sql").getOrCreate()
    for statement in statements(text, variables):
        for row in spark.sql(statement).collect():
            print("\t".join("NULL" if v is None else str(v) for v in row))
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
