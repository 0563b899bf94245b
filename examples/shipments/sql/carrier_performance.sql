-- carrier_performance: one row per carrier.
-- Dialect: the subset common to DuckDB (>= 1.1) and Spark SQL (>= 3.3); input relation `shipments`.
-- The optional day filter is applied where `shipments` is defined (Dativo registers it as a view
-- `... WHERE CAST(shipment_date AS DATE) = DATE 'YYYY-MM-DD'`; on Spark: df.where(...).createOrReplaceTempView).
-- Order is total: ties are broken by the grouping key (Spark alone leaves tie order unspecified).
-- avg_shipping_cost is rounded HALF_UP to 2 places on the shortest decimal form of the average, which is
-- what Spark's round(double) does (BigDecimal(Double.toString(x)).setScale(2, HALF_UP)); DuckDB's round()
-- on DOUBLE works on x*100 in binary, so the value goes through STRING -> DECIMAL, where ROUND is HALF_UP
-- (away from zero) in both engines.
-- on_time_percentage = zero-delay share: delivered / count * 100 in that order (as the original computed it).
SELECT
    carrier,
    COUNT(*) AS total_shipments,
    AVG(CAST(delay_days AS DOUBLE)) AS avg_delay_days,
    CAST(ROUND(CAST(CAST(AVG(shipping_cost) AS STRING) AS DECIMAL(38, 17)), 2) AS DOUBLE) AS avg_shipping_cost,
    CAST(SUM(CASE WHEN delivery_status = 'Delivered' THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) * 100 AS on_time_percentage
FROM shipments
GROUP BY carrier
ORDER BY avg_delay_days ASC NULLS LAST, carrier ASC
