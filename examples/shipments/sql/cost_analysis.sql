-- cost_analysis: one row per shipment (a projection, not an aggregate), cheapest per km first.
-- Dialect: the subset common to DuckDB (>= 1.1) and Spark SQL (>= 3.3); input relation `shipments`.
-- The optional day filter is applied where `shipments` is defined (Dativo registers it as a view
-- `... WHERE CAST(shipment_date AS DATE) = DATE 'YYYY-MM-DD'`; on Spark: df.where(...).createOrReplaceTempView).
-- Order is total: ties are broken by the grouping key (Spark alone leaves tie order unspecified).
-- NULLIF guards a zero distance: NULL in both engines (Spark's ANSI mode would otherwise fail, DuckDB would
-- give Infinity); NULLs sort last. Ties are broken by every output column.
SELECT
    carrier,
    shipment_weight_kg,
    shipment_volume_m3,
    shipping_cost,
    route_distance_km,
    shipping_cost / NULLIF(route_distance_km, 0) AS cost_per_km
FROM shipments
ORDER BY cost_per_km ASC NULLS LAST, carrier ASC, shipment_weight_kg ASC, shipment_volume_m3 ASC, shipping_cost ASC, route_distance_km ASC
