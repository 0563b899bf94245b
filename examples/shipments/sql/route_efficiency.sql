-- route_efficiency: one row per (origin_warehouse, destination_city).
-- Dialect: the subset common to DuckDB (>= 1.1) and Spark SQL (>= 3.3); input relation `shipments`.
-- The optional day filter is applied where `shipments` is defined (Dativo registers it as a view
-- `... WHERE CAST(shipment_date AS DATE) = DATE 'YYYY-MM-DD'`; on Spark: df.where(...).createOrReplaceTempView).
-- Order is total: ties are broken by the grouping key (Spark alone leaves tie order unspecified).
-- Delivery time in days: CAST(CAST(delivery_date AS DATE) - CAST(shipment_date AS DATE) AS INT).
--   DuckDB: DATE - DATE is a BIGINT number of days. Spark >= 3.2: DATE - DATE is INTERVAL DAY
--   (SPARK-35727), and an INTERVAL DAY casts to INT as its number of days (Spark >= 3.3).
--   Not used: DuckDB datediff/date_diff take a unit string first ('day', start, end); Spark's datediff is
--   (end, start) and its 3-argument form takes a bare unit keyword (DAY), which DuckDB rejects.
--   The inner CASTs make it work for DATE columns (Parquet) and yyyy-MM-dd strings (CSV) alike.
-- avg_shipping_cost is not rounded (as in the original).
SELECT
    origin_warehouse,
    destination_city,
    COUNT(*) AS total_shipments,
    AVG(CAST(route_distance_km AS DOUBLE)) AS avg_distance_km,
    AVG(CAST(CAST(delivery_date AS DATE) - CAST(shipment_date AS DATE) AS INT)) AS avg_delivery_time_days,
    AVG(shipping_cost) AS avg_shipping_cost
FROM shipments
GROUP BY origin_warehouse, destination_city
ORDER BY avg_delivery_time_days ASC NULLS LAST, origin_warehouse ASC, destination_city ASC
