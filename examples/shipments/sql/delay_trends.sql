-- delay_trends (the seed text calls it daily_trends; Dativo accepts both names): one row per destination.
-- Dialect: the subset common to DuckDB (>= 1.1) and Spark SQL (>= 3.3); input relation `shipments`.
-- The optional day filter is applied where `shipments` is defined (Dativo registers it as a view
-- `... WHERE CAST(shipment_date AS DATE) = DATE 'YYYY-MM-DD'`; on Spark: df.where(...).createOrReplaceTempView).
-- Order is total: ties are broken by the grouping key (Spark alone leaves tie order unspecified).
-- SUM is cast to BIGINT (DuckDB sums integers into HUGEINT; Spark already gives BIGINT).
-- delay_percentage = delayed / count * 100 in that order (as the original computed it).
SELECT
    destination_city,
    COUNT(*) AS total_shipments,
    CAST(SUM(CASE WHEN delay_days > 0 THEN 1 ELSE 0 END) AS BIGINT) AS delayed_shipments,
    CAST(SUM(CASE WHEN delay_days > 0 THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) * 100 AS delay_percentage
FROM shipments
GROUP BY destination_city
ORDER BY delay_percentage DESC NULLS LAST, destination_city ASC
