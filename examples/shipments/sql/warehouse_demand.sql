-- warehouse_demand: shipments per (origin_warehouse, destination_city), busiest first.
-- Dialect: the subset common to DuckDB (>= 1.1) and Spark SQL (>= 3.3); input relation `shipments`.
-- The optional day filter is applied where `shipments` is defined (Dativo registers it as a view
-- `... WHERE CAST(shipment_date AS DATE) = DATE 'YYYY-MM-DD'`; on Spark: df.where(...).createOrReplaceTempView).
-- Order is total: ties are broken by the grouping key (Spark alone leaves tie order unspecified).
SELECT
    origin_warehouse,
    destination_city,
    COUNT(*) AS shipment_count
FROM shipments
GROUP BY origin_warehouse, destination_city
ORDER BY shipment_count DESC, origin_warehouse ASC, destination_city ASC
